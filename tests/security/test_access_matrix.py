"""The access matrix: every URL of the project, as every role, against the
declared policy in ``tests/security/url_policy.py``.

The URLs are found by walking the resolver (rxshop's, oscar's, the admin's);
path parameters are filled with objects owned by customer A (Alice). Each URL
is requested with GET as anonymous, Alice, Bob (customer B), the technician,
the pharmacist and the shop administrator (staff with the second factor
passed). Besides the table, two rules hold everywhere:

- nobody but Alice and the pharmacy staff is ever shown one of Alice's markers
  (her prescriber, address, order number, prescription reference, e-mail);
- customers never reach a page under /dashboard/ or /admin/;
- no page answered 200 to a signed-in role, nor any page outside the public
  catalogue, may be stored by a cache (``Cache-Control: private, no-store``).

Set ``RXSHOP_MATRIX_DUMP=path`` to write what was observed, as a starting
point when declaring the policy of a new URL.
"""

from __future__ import annotations

import json
import os

import pytest
from django.db import transaction

from infra.nocache import is_public_path

from . import url_policy
from .urlwalk import endpoints, paths_for
from .world import ANONYMOUS, CUSTOMER_A, CUSTOMER_B, ROLES, STAFF_ROLES, World, client_for

# django_db also tells pytest-django to create the test database before the module's ``world``.
# About a minute: some 8,000 requests.
pytestmark = [pytest.mark.django_db, pytest.mark.slow]

LOGIN_PREFIXES = ("/accounts/login/", "/admin/login/", "/dashboard/login/")


def outcome_of(response) -> str:
    status = response.status_code
    if status in (301, 302, 303, 307, 308):
        location = response.get("Location", "")
        path = location.split("://", 1)[-1]
        path = path[path.find("/") :] if "://" in location else path
        if path.startswith(LOGIN_PREFIXES):
            return url_policy.LOGIN
        if path.startswith("/pharmacy/staff/verify/"):
            return url_policy.SECOND_FACTOR
        return url_policy.ALLOWED
    if 200 <= status < 300:
        return url_policy.ALLOWED
    return {
        400: url_policy.BAD_REQUEST,
        403: url_policy.FORBIDDEN,
        404: url_policy.NOT_FOUND,
        405: url_policy.METHOD_NOT_ALLOWED,
        409: url_policy.CONFLICT,
    }.get(status, f"status {status}")


def _still_signed_in(client, role) -> bool:
    return role == ANONYMOUS or "_auth_user_id" in client.session


def is_not_stored(response) -> bool:
    directives = {d.strip().split("=")[0] for d in response.get("Cache-Control", "").lower().split(",")}
    return {"private", "no-store"} <= directives


def observe(world: World, roles=ROLES, method: str = "get") -> tuple[dict, list[str], list[str]]:
    """{endpoint key: {role: outcome}}, the marker leaks seen and the personal pages a cache
    may keep, from one request per cell.

    With ``method="post"`` only the cells ``url_policy.post_expectation`` names are requested.
    """
    observed: dict[str, dict[str, str]] = {}
    leaks: list[str] = []
    cacheable: list[str] = []
    # Views that sign out go last so they do not end the other requests' sessions.
    todo = sorted(endpoints(), key=lambda e: "logout" in (e.name or ""))
    paths = paths_for(world, todo)
    for role in roles:
        client = client_for(role, raise_request_exception=False)
        for endpoint in todo:
            if method == "post" and url_policy.post_expectation(endpoint.key, role) is None:
                continue
            path = paths[endpoint]
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
            if (
                response.status_code == 200
                and not is_not_stored(response)
                and (role != ANONYMOUS or not is_public_path(path))
            ):
                cacheable.append(
                    f"{role} {method.upper()} {path} ({endpoint.key}): "
                    f"Cache-Control {response.get('Cache-Control', '(none)')!r}"
                )
            if not _still_signed_in(client, role):
                client = client_for(role, raise_request_exception=False)
    return observed, leaks, cacheable


def test_every_url_has_a_declared_policy():
    undeclared = sorted({e.key for e in endpoints() if url_policy.policy_for(e.key) is None})
    assert not undeclared, (
        "These URLs have no access policy. Declare who may open each one in tests/security/url_policy.py "
        "(run this module with RXSHOP_MATRIX_DUMP=/tmp/matrix.json to see what they answer now):\n  "
        + "\n  ".join(undeclared)
    )


@pytest.fixture(scope="module")
def matrix(world, django_db_blocker):
    """One GET per URL and role (and the POSTs), once for the module."""
    with django_db_blocker.unblock():
        got, leaks, cacheable = observe(world)
        posted, post_leaks, post_cacheable = observe(world, roles=ROLES[:-1], method="post")
    return got, posted, leaks + post_leaks, cacheable + post_cacheable


def test_access_matrix_matches_the_declared_policy(matrix):
    observed, _posted, leaks, _cacheable = matrix
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
    assert not mismatches, f"{len(mismatches)} cells differ from tests/security/url_policy.py:\n  " + "\n  ".join(
        mismatches
    )


def test_a_role_refused_a_page_is_refused_its_post_too(matrix):
    _observed, posted, _leaks, _cacheable = matrix
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
        + "\n  ".join(sorted(undeclared))
    )
    assert not mismatches, "\n  ".join(mismatches)


def test_customers_never_reach_the_dashboard_or_the_admin(matrix):
    observed, posted, _, _cacheable = matrix
    routes = {e.key: e.route for e in endpoints()}
    reached = [
        f"{role} reaches {routes[key]} ({key})"
        for table in (observed, posted)
        for key, cells in table.items()
        if routes[key].startswith(("admin/", "dashboard/")) and key not in url_policy.OPEN_LOGIN_PAGES
        for role, outcome in cells.items()
        if role in (ANONYMOUS, CUSTOMER_A, CUSTOMER_B) and outcome == url_policy.ALLOWED
    ]
    assert not reached, "\n".join(reached)


def test_no_personal_page_may_be_kept_by_a_cache(matrix):
    """Every page answered 200 to a signed-in role (and every page outside the public
    catalogue) says ``Cache-Control: private, no-store`` (infra/nocache.py)."""
    *_tables, cacheable = matrix
    assert not cacheable, f"{len(cacheable)} personal pages may be cached:\n  " + "\n  ".join(cacheable)
