"""Never a 500 on bad input, on every form and POST endpoint the shop serves.

Built on the URL walk (tests/security/urlwalk.py), so a new view is swept without
editing this file:

1. Discovery: every URL is opened with GET as every role; each ``<form method="post">``
   on the pages found gives an endpoint (its action) and its fields with their values.
   Views that take POST only (405 on GET) are endpoints too, with the fields of any
   form seen posting to them.
2. Malformed ids: every id field of a form (by name, or by a number as its value),
   one at a time, as text, negative, empty, 2**63 and Alice's ids.
3. Fuzzing (hypothesis, a few examples per endpoint and role): each field kept, dropped,
   duplicated, or replaced with a hostile value (non-numeric, negative, 2**63, empty,
   NUL, other users' ids), sent as a form, as multipart, as JSON, or as a garbage body.

Customer B has an over-the-counter basket and an address, so the checkout's steps are
open to the sweep (Alice's basket waits on her prescription).

The answer must be below 500. When customer B or an anonymous visitor posts (the path
parameters are Alice's objects, and the hostile ids are hers), nothing of Alice's may
change and none of her data may appear in the answer or in their session. Each request runs in a savepoint
that is rolled back, so the sweep leaves the shop as it found it.

Left out: the Django admin (Django's own forms; some 400 generated URLs), sign-out
views (they end the sweep's sessions), and Stripe's webhook (test_bad_input.py).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.db import transaction
from django.urls import Resolver404, resolve
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from oscar.core.loading import get_model

from .urlwalk import endpoints, paths_for
from .world import ADMIN, ANONYMOUS, CUSTOMER_A, CUSTOMER_B, PHARMACIST, ROLES, TECHNICIAN, client_for

pytestmark = [pytest.mark.django_db, pytest.mark.slow]  # 10-15 minutes on 2 shared cores (see the report)

EXAMPLES = 2  # per (endpoint, role), after the id pass: keeps the sweep within a few minutes on a quiet machine
SKIPPED = ("admin:", "route:admin/", "payments:webhook")


class _Forms(HTMLParser):
    """The POST forms of a page: [(action, [(name, value)])]."""

    def __init__(self):
        super().__init__()
        self.forms: list[tuple[str, list[tuple[str, str]]]] = []
        self._current = None
        self._select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._current = None
            if (attrs.get("method") or "get").lower() == "post":
                self._current = (attrs.get("action") or "", [])
                self.forms.append(self._current)
        elif self._current is None:
            return
        elif tag in ("input", "button") and attrs.get("name"):
            if attrs.get("type") in ("checkbox", "radio") and "checked" not in attrs and tag == "input":
                self._current[1].append((attrs["name"], ""))
            else:
                self._current[1].append((attrs["name"], attrs.get("value") or ""))
        elif tag == "textarea" and attrs.get("name"):
            self._current[1].append((attrs["name"], "text"))
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
            self._current[1].append((attrs["name"], ""))
        elif tag == "option" and self._select and attrs.get("value"):
            fields = self._current[1]
            if fields and fields[-1] == (self._select, ""):
                fields[-1] = (self._select, attrs["value"])

    def handle_endtag(self, tag):
        if tag == "form":
            self._current = None
        elif tag == "select":
            self._select = None


def forms_on(response, page_path: str) -> list[tuple[str, dict[str, str]]]:
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode("utf-8", "replace"))
    found = []
    for action, fields in parser.forms:
        path = urlsplit(action).path or page_path
        if not path.startswith("/"):
            continue  # another site (none expected) or a relative action: not ours to guess
        found.append((path, {n: v for n, v in fields if n != "csrfmiddlewaretoken"}))
    return found


def _key_of(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name or f"route:{match.route}"


def _skipped(key: str | None, path: str) -> bool:
    return key is None or key.startswith(SKIPPED) or "logout" in key or path.startswith("/admin/")


# --- Alice's data, to prove nobody else changed it ----------------------------------------------------


def alices_fingerprint(world) -> str:
    """A digest of everything Alice owns that a POST could change."""
    from prescriptions.models import Prescription

    rows = []
    for model, owner, fields in (
        (get_model("address", "UserAddress"), "user_id", None),
        (get_model("basket", "Basket"), "owner_id", ("id", "status")),
        (get_model("basket", "Line"), "basket__owner_id", ("id", "quantity", "product_id", "basket_id")),
        (get_model("wishlists", "WishList"), "owner_id", None),
        (get_model("wishlists", "Line"), "wishlist__owner_id", None),
        (get_model("customer", "ProductAlert"), "user_id", None),
        (get_model("order", "Order"), "user_id", ("number", "status", "total_incl_tax")),
        (get_model("order", "Line"), "order__user_id", ("id", "status", "quantity")),
        (get_model("communication", "Notification"), "recipient_id", None),
        (Prescription, "customer_id", ("public_id", "status")),
    ):
        queryset = model._default_manager.filter(**{owner: world.alice_pk}).order_by("pk")
        rows.append(list(queryset.values_list(*(fields or ())) if fields else queryset.values()))
    from django.contrib.auth import get_user_model

    rows.append(
        list(
            get_user_model()
            .objects.filter(pk=world.alice_pk)
            .values("email", "password", "is_active", "first_name", "last_name")
        )
    )
    return hashlib.sha256(repr(rows).encode()).hexdigest()


# --- What hypothesis sends --------------------------------------------------------------------------


def hostile_values(world) -> list[str]:
    ids = [
        world.alice_pk,
        world.bob_pk,
        world.order_line_id,
        world.basket_line_id,
        world.product_pk,
        world.otc_product_pk,
        world.address_pk,
        world.wishlist_line_pk,
        world.alert_pk,
        world.notification_pk,
    ]
    return [
        "abc",
        "-1",
        "0",
        str(2**63),
        str(-(2**63) - 1),
        "1.5",
        "1e308",
        "NaN",
        "",
        " ",
        "\x00",
        "١٢",
        "9" * 40,
        "[]",
        "{}",
        "null",
        "true",
        "../1",
        "<b>x</b>",
        *(str(i) for i in ids),
        world.order_number,
        world.prescription_public_id,
        world.wishlist_key,
    ]


GENERIC_FIELDS = ("id", "pk", "quantity", "action", "address_id", "line_id", "product_id", "code", "next")


def requests_for(fields: dict[str, str], values: list[str]):
    names = list(fields) or list(GENERIC_FIELDS)
    field_plan = st.fixed_dictionaries(
        {
            name: st.one_of(
                st.just(("keep",)),
                st.just(("drop",)),
                st.tuples(st.just("set"), st.sampled_from(values)),
                st.tuples(st.just("twice"), st.sampled_from(values)),
            )
            for name in names
        }
    )
    return st.tuples(field_plan, st.sampled_from(("form", "form", "form", "json", "multipart-garbage", "bytes")))


def build_request(fields: dict[str, str], plan: dict, encoding: str):
    data: dict[str, list[str] | str] = {}
    for name, (action, *rest) in plan.items():
        original = fields.get(name, "1")
        if action == "keep":
            data[name] = original
        elif action == "set":
            data[name] = rest[0]
        elif action == "twice":
            data[name] = [original, rest[0]]
    if encoding == "form":
        return {"data": data}
    if encoding == "json":
        return {"data": json.dumps(data), "content_type": "application/json"}
    if encoding == "multipart-garbage":
        return {
            "data": b'--b\r\nContent-Disposition: form-data; name="x\r\n\r\n\x00\xff--b',
            "content_type": "multipart/form-data; boundary=b",
        }
    return {"data": b"\x00\xff\xfe garbage \x80", "content_type": "application/x-www-form-urlencoded"}


ID_FIELD = re.compile(r"(^|[-_])(id|pk)$|^selected_|_id$")


def id_fields(fields: dict[str, str]) -> list[str]:
    """The fields that carry an id: by name, or by a numeric value on the page."""
    return [name for name, value in fields.items() if ID_FIELD.search(name) or value.strip().isdigit()]


def malformed_ids(world) -> list[str]:
    # Missing values come from the hypothesis pass (fields dropped); here: not a number, negative,
    # too large for the database, and Alice's own objects.
    return ["abc", "-1", str(2**63), str(world.address_pk), str(world.basket_line_id), str(world.wishlist_line_pk)]


def ready_for_checkout(world):
    """Bob (customer B) with an over-the-counter basket and an address book, so that the
    checkout's steps and their forms (the address choice) are open to the sweep."""
    from django.contrib.auth import get_user_model
    from oscar.apps.partner.strategy import Default

    from tests.factories import product

    bob = get_user_model().objects.get(pk=world.bob_pk)
    basket = get_model("basket", "Basket").objects.create(owner=bob)
    basket.strategy = Default()
    basket.add_product(product("OTC-LIPBALM"), 1)
    get_model("address", "UserAddress").objects.create(
        user=bob,
        first_name="Bob",
        last_name="Baker",
        line1="9 Jay Street",
        line4="Brooklyn",
        state="NY",
        postcode="11201",
        country_id="US",
        phone_number="+12125550111",
        is_default_for_shipping=True,
    )


def _still_signed_in(client, role) -> bool:
    return role == ANONYMOUS or "_auth_user_id" in client.session


@pytest.fixture(scope="module")
def walk_and_paths(world):
    """Every endpoint and its path with Alice's objects, worked out once for the roles' sweeps."""
    walk = sorted(endpoints(), key=lambda e: "logout" in (e.name or ""))
    return walk, paths_for(world, walk)


# The fewest POST forms each role's discovery must find: fewer means the form parser or the walk broke.
FEWEST_FORMS = {ANONYMOUS: 5, CUSTOMER_A: 15, CUSTOMER_B: 15, TECHNICIAN: 20, PHARMACIST: 20, ADMIN: 40}


@pytest.mark.parametrize("role", ROLES)  # one role a test: the two test processes share them (SPREAD_FILES)
def test_no_form_or_post_endpoint_answers_500_or_touches_someone_elses_data(world, walk_and_paths, role):
    started = time.monotonic()
    ready_for_checkout(world)
    values = hostile_values(world)
    walk, paths = walk_and_paths
    failures: list[str] = []
    swept = requests = 0
    cost: dict[str, float] = {}  # seconds per endpoint path (printed: the dearest)
    client = client_for(role, raise_request_exception=False)
    targets: dict[str, dict[str, str]] = {}
    # 1. Discovery: the pages this role can open, and their POST forms.
    for endpoint in walk:
        path = paths[endpoint]
        if _skipped(endpoint.key, path):
            continue
        with transaction.atomic():
            response = client.get(path)
            transaction.set_rollback(True)
        if response.status_code == 405:
            targets.setdefault(path, {})
        for action, fields in forms_on(response, path):
            if not _skipped(_key_of(action), action):
                targets.setdefault(action, {}).update(fields)
        if not _still_signed_in(client, role):
            client = client_for(role, raise_request_exception=False)
    guard_alice = role in (ANONYMOUS, CUSTOMER_B)
    before = alices_fingerprint(world) if guard_alice else None

    def post(path, fields, plan, encoding):
        nonlocal client, requests
        requests += 1
        with transaction.atomic():
            response = client.post(path, **build_request(fields, plan, encoding))
            assert response.status_code < 500, f"{role} POST {path} as {encoding} {plan}: {response.status_code}"
            if guard_alice:
                assert alices_fingerprint(world) == before, (
                    f"{role} POST {path} as {encoding} {plan} changed Alice's data"
                )
                body = "" if response.streaming else response.content.decode("utf-8", "replace")
                session = str(dict(client.session)) if role != ANONYMOUS else ""
                sent = repr(plan)  # a marker the request itself carried may be echoed back
                shown = [m for m in world.markers if (m in body or m in session) and m not in sent]
                assert not shown, f"{role} POST {path} {plan}: Alice's {shown} in the answer or the session"
            transaction.set_rollback(True)
        if not _still_signed_in(client, role):
            client = client_for(role, raise_request_exception=False)

    for path, fields in sorted(targets.items()):
        swept += 1
        began = time.monotonic()
        try:
            # 2a. Every id field of the form, one at a time, malformed or someone else's.
            for name in id_fields(fields):
                for value in malformed_ids(world):
                    post(path, fields, {**{n: ("keep",) for n in fields}, name: ("set", value)}, "form")

            # 2b. hypothesis: any mix of kept, dropped, duplicated and hostile fields, any body.
            @settings(
                max_examples=EXAMPLES,
                deadline=None,
                database=None,
                derandomize=True,
                phases=(Phase.explicit, Phase.generate),
                suppress_health_check=list(HealthCheck),
            )
            @given(request=requests_for(fields, values))
            def post_it(request):
                post(path, fields, *request)

            post_it()
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
        cost[path] = cost.get(path, 0.0) + time.monotonic() - began
    print(f"\nPOST sweep as {role}: {swept} endpoints, {requests} POSTs; {time.monotonic() - started:.0f} s")
    for path, seconds in sorted(cost.items(), key=lambda item: -item[1])[:8]:
        print(f"  {seconds:7.1f} s  {path}")
    assert swept >= FEWEST_FORMS[role], f"the discovery found {swept} forms as {role}: the form parser is broken"
    assert not failures, f"{len(failures)} endpoints fail on bad input:\n  " + "\n  ".join(failures)
