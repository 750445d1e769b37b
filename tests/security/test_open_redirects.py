"""Open redirects: no redirect target taken from a request leaves the site.

The sweep walks every URL of the project (tests/security/urlwalk.py) as every role,
with GET and with POST, and first *discovers* which URLs take a redirect target: each
request carries a harmless probe path in the usual parameter names (``next``,
``redirect_to``...), in the query and in the form, and a hostile ``Referer``; a URL
whose redirect lands on a probe takes that parameter. Every discovered (URL, role,
method, parameter) is then tried with the hostile targets below; the ``Location`` of
any redirect must stay on the site. New views are covered without editing this file.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

import pytest
from django.db import transaction
from django.test import RequestFactory
from django.utils.http import url_has_allowed_host_and_scheme

from infra.redirects import FALLBACK, SafeRedirectMiddleware, safe_redirect_target, taken_from_request

from .urlwalk import endpoints, paths_for
from .world import ANONYMOUS, ROLES, client_for

HOSTILE = ("https://evil.example/", "//evil.example", "/\\evil.example", "javascript:alert(1)")
PARAMS = (
    "next",
    "redirect_to",
    "redirect_url",
    "return_url",
    "success_url",
    "login-redirect_url",
    "registration-redirect_url",
)
HOSTILE_REFERER = "https://evil.example/referer"


def off_site(response) -> str | None:
    """The Location of a redirect that leaves the site, or None."""
    if not 300 <= response.status_code < 400:
        return None
    location = response.get("Location", "")
    if url_has_allowed_host_and_scheme(location, allowed_hosts={"testserver"}):
        return None
    return location


def probe(param: str) -> str:
    return f"/rx-probe-{param}/"


# --- The guard, and the view it was found in -------------------------------------------------------


@pytest.mark.parametrize("target", HOSTILE)
def test_the_alert_cancel_link_does_not_send_anyone_off_site(client, db, target):
    """Oscar's ProductAlertCancelView redirected to ?next= unchecked (the link in alert e-mails)."""
    from oscar.core.loading import get_model
    from oscar.test.factories import create_product

    alert = get_model("customer", "ProductAlert").objects.create(
        email="someone@example.com", product=create_product(), status="Active"
    )
    alert.key = alert.get_random_key()
    alert.save()
    response = client.get(f"/accounts/alerts/cancel/key/{alert.key}/?{urlencode({'next': target})}")
    assert response.status_code == 302
    assert response["Location"] == alert.product.get_absolute_url()


def _middleware_answer(request, location, status=302):
    from django.http import HttpResponse

    def view(_request):
        response = HttpResponse(status=status)
        response["Location"] = location
        return response

    return SafeRedirectMiddleware(view)(request)["Location"]


@pytest.mark.parametrize(
    "target",
    [
        *HOSTILE,
        "https://EVIL.example/x",
        " https://evil.example",
        "/%5Cevil.example",
        "https:/\\evil.example",
        "\x01//evil.example",
    ],
)
def test_the_guard_rewrites_an_off_site_location_taken_from_the_query(target):
    request = RequestFactory().get("/somewhere/", {"return": target})
    assert _middleware_answer(request, target) == FALLBACK or url_has_allowed_host_and_scheme(
        _middleware_answer(request, target), allowed_hosts={"testserver"}
    )


def test_the_guard_rewrites_a_location_taken_from_a_form_or_the_referer():
    assert (
        _middleware_answer(RequestFactory().post("/x/", {"n": "https://evil.example/a"}), "https://evil.example/a")
        == FALLBACK
    )
    assert (
        _middleware_answer(RequestFactory().get("/x/", HTTP_REFERER="https://evil.example/b"), "https://evil.example/b")
        == FALLBACK
    )


def test_the_guard_leaves_the_shops_own_redirects_alone():
    """Stripe's 3-D Secure page is off-site, but nothing in the request named it."""
    request = RequestFactory().get("/stripe/authenticate/")
    assert _middleware_answer(request, "https://hooks.stripe.com/3d") == "https://hooks.stripe.com/3d"
    assert _middleware_answer(RequestFactory().get("/x/", {"next": "/basket/"}), "/basket/") == "/basket/"


def test_on_a_secure_request_a_plain_http_target_is_refused():
    request = RequestFactory().get("/x/", secure=True)
    assert safe_redirect_target(request, "http://testserver/basket/", "/") == "/"
    assert safe_redirect_target(request, "https://testserver/basket/", "/") == "https://testserver/basket/"
    assert taken_from_request(RequestFactory().get("/x/", {"n": "http://testserver/b"}), "http://testserver/b")


# --- The sweep -------------------------------------------------------------------------------------


def _request(client, method: str, path: str, params: dict[str, str]):
    # One savepoint per request, rolled back: some views change things on GET, every POST may.
    with transaction.atomic():
        if method == "get":
            response = client.get(f"{path}?{urlencode(params)}", HTTP_REFERER=HOSTILE_REFERER)
        else:
            response = client.post(f"{path}?{urlencode(params)}", params, HTTP_REFERER=HOSTILE_REFERER)
        transaction.set_rollback(True)
    return response


def _still_signed_in(client, role) -> bool:
    return role == ANONYMOUS or "_auth_user_id" in client.session


@pytest.mark.django_db
@pytest.mark.slow  # ~16,000 requests: a few minutes
def test_no_url_redirects_off_site_as_any_role(world):
    started = time.monotonic()
    todo = sorted(endpoints(), key=lambda e: "logout" in (e.name or ""))
    paths = paths_for(world, todo)
    escaped: list[str] = []
    takes_target: list[tuple[str, str, str, str]] = []  # (role, method, path, param)
    for role in ROLES:
        client = client_for(role, raise_request_exception=False)
        for endpoint in todo:
            path = paths[endpoint]
            for method in ("get", "post"):
                response = _request(client, method, path, {p: probe(p) for p in PARAMS})
                if (location := off_site(response)) is not None:
                    escaped.append(f"{role} {method.upper()} {path} ({endpoint.key}) -> {location}")
                if 300 <= response.status_code < 400:
                    takes_target += [
                        (role, method, path, p) for p in PARAMS if probe(p) in response.get("Location", "")
                    ]
                if not _still_signed_in(client, role):
                    client = client_for(role, raise_request_exception=False)
    clients = {}
    for role, method, path, param in takes_target:
        for target in HOSTILE:
            client = clients.get(role)
            if client is None or not _still_signed_in(client, role):
                client = clients[role] = client_for(role, raise_request_exception=False)
            response = _request(client, method, path, {param: target})
            if (location := off_site(response)) is not None:
                escaped.append(f"{role} {method.upper()} {path} {param}={target!r} -> {location}")
    print(
        f"\nredirect sweep: {len(takes_target)} (role, method, URL, parameter) take a target; "
        f"{time.monotonic() - started:.0f} s"
    )
    assert takes_target, "the discovery found no URL that takes a redirect target: the probe is broken"
    assert not escaped, f"{len(escaped)} redirects leave the site:\n  " + "\n  ".join(escaped)
