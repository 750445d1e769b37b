"""The access matrix: every URL of the project, as every role, against the
declared policy in ``tests/security/url_policy.py``.

The URLs are found by walking the resolver (rxshop's, oscar's, the admin's);
path parameters are filled with objects owned by customer A (Alice). Each URL
is requested with GET as anonymous, Alice, Bob (customer B), the technician,
the pharmacist and the shop administrator (staff with the second factor
passed). Besides the table, two rules hold everywhere:

- nobody but Alice and the pharmacy staff is ever shown one of Alice's markers
  (her prescriber, address, order number, prescription reference, e-mail);
- customers never reach a page under /dashboard/ or /admin/.

Set ``RXSHOP_MATRIX_DUMP=path`` to write what was observed, as a starting
point when declaring the policy of a new URL.
"""
from __future__ import annotations

import json
import os

import pytest
from django.db import transaction
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from oscar.core.loading import get_model

from . import url_policy
from .urlwalk import Endpoint, build_path, endpoints
from .world import ANONYMOUS, CUSTOMER_A, CUSTOMER_B, ROLES, STAFF_ROLES, World, client_for

Order = get_model("order", "Order")
Category = get_model("catalogue", "Category")

# The marker also tells pytest-django to create the test database before the module's ``world``.
pytestmark = pytest.mark.django_db

LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/", "/dashboard/login/")


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        path = location.split("://", 1)[-1]
        path = path[path.find("/"):] if "://" in location else path
        if path.startswith(LOGIN_PREFIXES):
            return url_policy.LOGIN
        if path.startswith("/pharmacy/staff/verify/"):
            return url_policy.SECOND_FACTOR
        return url_policy.ALLOWED
    if 200 <= status < 300:
        return url_policy.ALLOWED
    return {
        400: url_policy.BAD_REQUEST, 403: url_policy.FORBIDDEN, 404: url_policy.NOT_FOUND,
        405: url_policy.METHOD_NOT_ALLOWED, 409: url_policy.CONFLICT,
    }.get(status, f"status {status}")


def _admin_object_id(endpoint: Endpoint, world: World) -> str:
    """An object of the admin page's model: Alice's own if it has an owner, else the first."""
    app_model = endpoint.name.split(":", 1)[1].rsplit("_", 1)[0]  # "prescriptions_prescription"
    for ct in ContentType.objects.all():
        if f"{ct.app_label}_{ct.model}" != app_model:
            continue
        model = ct.model_class()
        manager = model._default_manager
        User = get_user_model()
        if model is User:
            return str(world.alice_pk)
        for owner in ("customer", "user", "owner", "account", "recipient", "prescription__customer"):
            try:
                mine = manager.filter(**{f"{owner}_id" if "__" not in owner else f"{owner}__pk": world.alice_pk})
                obj = mine.order_by("pk").first()
            except Exception:  # noqa: BLE001 - the model has no such field
                continue
            if obj is not None:
                return str(obj.pk)
        first = manager.order_by("pk").first()
        return str(first.pk) if first else "1"
    return "1"


def values_for(endpoint: Endpoint, world: World) -> dict[str, str]:
    """Path parameters from Alice's objects; a generic fallback for admin/dashboard ids."""
    name = endpoint.name or ""
    params = endpoint.params
    order = Order.objects.get(number=world.order_number)
    category = Category.objects.order_by("pk").first()
    by_name = {
        "product_pk": world.product_pk, "product_slug": world.product_slug,
        "order_number": world.order_number, "number": world.order_number, "line_id": world.order_line_id,
        "email_id": world.email_pk, "hash": order.verification_hash(), "action": "default_for_shipping",
        "to_key": world.wishlist_key, "uidb64": "MQ", "token": "set-password", "path": "nothing.txt",
        "category_slug": category.slug if category else "medicines", "product_class_slug": "prescription-medicine",
        "slug": "none", "user_pk": world.alice_pk, "partner_pk": 1, "method_pk": 1, "note_id": 1,
        "parent_pk": 1, "parent": 1, "content_type_id": ContentType.objects.get_for_model(get_user_model()).pk,
        "id": world.alice_pk, "app_label": "prescriptions", "parent_id": 1, "url": "nothing/",
    }
    values = {p: str(v) for p, v in by_name.items() if p in params}
    if "public_id" in params:
        values["public_id"] = world.file_public_id if name == "prescriptions:file" else world.prescription_public_id
    if "line_pk" in params:
        values["line_pk"] = str(world.wishlist_line_pk if name.startswith("customer:wishlists")
                                else world.basket_line_id)
    if "key" in params:
        values["key"] = world.wishlist_key if "wishlist" in name else (world.alert_key or "no-such-key")
    if "object_id" in params:
        values["object_id"] = _admin_object_id(endpoint, world) if name.startswith("admin:") else str(world.alice_pk)
        if name == "admin:view_on_site":
            values["object_id"] = str(world.alice_pk)
    if "pk" in params:
        values["pk"] = str({
            "catalogue:detail": world.product_pk, "catalogue:category": category.pk if category else 1,
            "customer:address-detail": world.address_pk, "customer:address-delete": world.address_pk,
            "customer:address-change-status": world.address_pk, "checkout:user-address-update": world.address_pk,
            "checkout:user-address-delete": world.address_pk, "customer:notifications-detail": world.notification_pk,
            "customer:alerts-cancel-by-pk": world.alert_pk, "basket:add": world.otc_product_pk,
            "customer:alert-create": world.otc_product_pk, "dashboard:user-detail": world.alice_pk,
            "dashboard:user-password-reset": world.alice_pk, "dashboard:catalogue-product": world.product_pk,
        }.get(name, 1))
    missing = [p for p in params if p not in values]
    if missing:
        raise LookupError(f"{endpoint.key}: no value for {missing}; teach values_for() about it")
    return values


def _still_signed_in(client, role) -> bool:
    return role == ANONYMOUS or "_auth_user_id" in client.session


def observe(world: World, roles=ROLES, method: str = "get") -> tuple[dict, list[str]]:
    """{endpoint key: {role: outcome}} and the marker leaks seen, from one request per cell.

    With ``method="post"`` only the cells ``url_policy.post_expectation`` names are requested.
    """
    observed: dict[str, dict[str, str]] = {}
    leaks: list[str] = []
    # Views that sign out go last so they do not end the other requests' sessions.
    todo = sorted(endpoints(), key=lambda e: "logout" in (e.name or ""))
    for role in roles:
        client = client_for(role, raise_request_exception=False)
        for endpoint in todo:
            if method == "post" and url_policy.post_expectation(endpoint.key, role) is None:
                continue
            path = build_path(endpoint, values_for(endpoint, world))
            # Each request in a savepoint rolled back afterwards: some of oscar's views change
            # things on GET (they must not leak into the next cell).
            with transaction.atomic():
                response = getattr(client, method)(path)
                transaction.set_rollback(True)
            outcome = outcome_of(response)
            observed.setdefault(endpoint.key, {})
            # Two patterns may share a name (oscar's wishlists): the record shows both answers.
            previous = observed[endpoint.key].get(role)
            observed[endpoint.key][role] = outcome if previous in (None, outcome) else f"{previous}|{outcome}"
            if role not in (CUSTOMER_A, *STAFF_ROLES) and response.status_code == 200 and not response.streaming:
                body = response.content.decode("utf-8", "replace")
                for marker in world.markers:
                    if marker in body:
                        leaks.append(f"{role} GET {path} ({endpoint.key}) shows Alice's {marker!r}")
            if not _still_signed_in(client, role):
                client = client_for(role, raise_request_exception=False)
    return observed, leaks


def test_every_url_has_a_declared_policy():
    undeclared = sorted({e.key for e in endpoints() if url_policy.policy_for(e.key) is None})
    assert not undeclared, (
        "These URLs have no access policy. Declare who may open each one in tests/security/url_policy.py "
        "(run this module with RXSHOP_MATRIX_DUMP=/tmp/matrix.json to see what they answer now):\n  "
        + "\n  ".join(undeclared))


@pytest.fixture(scope="module")
def matrix(world, django_db_blocker):
    """One GET per URL and role (and the POSTs), once for the module."""
    with django_db_blocker.unblock():
        got, leaks = observe(world)
        posted, post_leaks = observe(world, roles=ROLES[:-1], method="post")
    return got, posted, leaks + post_leaks


def test_access_matrix_matches_the_declared_policy(matrix):
    observed, _posted, leaks = matrix
    dump = os.environ.get("RXSHOP_MATRIX_DUMP")
    if dump:
        with open(dump, "w") as fh:
            json.dump(observed, fh, indent=1, sort_keys=True)
    mismatches = []
    for key, cells in sorted(observed.items()):
        policy = url_policy.policy_for(key)
        if policy is None:
            continue  # reported by test_every_url_has_a_declared_policy
        for role, outcome in cells.items():
            expected = policy[role]
            if not url_policy.matches(outcome, expected):
                mismatches.append(f"{key:55} {role:11} got {outcome:20} expected {url_policy.describe(expected)}")
    assert not leaks, "Alice's data shown to someone else:\n  " + "\n  ".join(leaks)
    assert not mismatches, f"{len(mismatches)} cells differ from tests/security/url_policy.py:\n  " + "\n  ".join(mismatches)


def test_a_role_refused_a_page_is_refused_its_post_too(matrix):
    _observed, posted, _leaks = matrix
    mismatches, undeclared = [], set()
    for key, cells in sorted(posted.items()):
        for role, outcome in cells.items():
            expected = url_policy.post_expectation(key, role)
            if expected == "declare":
                undeclared.add(key)
            elif not url_policy.matches(outcome, expected):
                mismatches.append(f"POST {key:50} {role:11} got {outcome:20} expected {url_policy.describe(expected)}")
    assert not undeclared, (
        "These views take POST only: declare who may POST to them in url_policy.POST_POLICY:\n  "
        + "\n  ".join(sorted(undeclared)))
    assert not mismatches, "\n  ".join(mismatches)


def test_customers_never_reach_the_dashboard_or_the_admin(matrix):
    observed, posted, _ = matrix
    routes = {e.key: e.route for e in endpoints()}
    reached = [
        f"{role} reaches {routes[key]} ({key})"
        for table in (observed, posted)
        for key, cells in table.items() if routes[key].startswith(("admin/", "dashboard/"))
        and key not in url_policy.OPEN_LOGIN_PAGES
        for role, outcome in cells.items() if role in (ANONYMOUS, CUSTOMER_A, CUSTOMER_B)
        and outcome == url_policy.ALLOWED
    ]
    assert not reached, "\n".join(reached)
