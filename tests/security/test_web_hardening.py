"""Web hardening: Content-Security-Policy, production transport settings, staff
session expiry, CSRF on every POST, nothing about patients in error pages or
logs. (Rate limits: test_rate_limits.py.)

(Login throttling by django-axes: tests/shop/test_staff_access.py; ``check
--deploy`` in production mode: tests/shop/test_demo_and_settings.py.)
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from infra.logredact import RedactPatientData, redact
from tests.factories import add_to_basket
from tests.shop.test_demo_and_settings import PRODUCTION_ENV

from .urlwalk import endpoints, path_for, paths_for
from .world import ADMIN, ANONYMOUS, CUSTOMER_A, PHARMACIST, TECHNICIAN, client_for

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


# --- Content-Security-Policy ----------------------------------------------------------------------


def _csp(response) -> dict[str, list[str]]:
    header = response.get("Content-Security-Policy", "")
    assert header, f"no Content-Security-Policy on {response.wsgi_request.path}"
    return {d.split()[0]: d.split()[1:] for d in (part.strip() for part in header.split(";")) if d}


INLINE_SCRIPT = re.compile(r"<script(?P<attrs>[^>]*)>(?P<body>.*?)</script>", re.DOTALL | re.IGNORECASE)
EVENT_HANDLER = re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.IGNORECASE)


def assert_no_unsafe_script(response):
    policy = _csp(response)
    scripts = policy["script-src"]
    assert "'unsafe-inline'" not in scripts and "'unsafe-eval'" not in scripts, scripts
    nonce = next((s[len("'nonce-") : -1] for s in scripts if s.startswith("'nonce-")), None)
    html = response.content.decode()
    for match in INLINE_SCRIPT.finditer(html):
        attrs = match.group("attrs")
        if "src=" in attrs or "application/json" in attrs or not match.group("body").strip():
            continue
        assert nonce and f'nonce="{nonce}"' in attrs, f"inline script without the page's nonce: {match.group(0)[:200]}"
    handler = EVENT_HANDLER.search(html)
    assert handler is None, (
        f"inline event handler (blocked by the policy): {html[handler.start() : handler.start() + 200]}"
    )
    assert "javascript:" not in html.lower(), "javascript: URL (blocked by the policy)"


# Pages of every kind: the shop, the account, prescriptions, checkout, the pharmacy
# workspace, the dispense screen, oscar's dashboard and the admin.
CSP_PAGES = [
    (ANONYMOUS, "catalogue:index"),
    (ANONYMOUS, "catalogue:detail"),
    (ANONYMOUS, "customer:login"),
    (ANONYMOUS, "pharmacy:contact"),
    (CUSTOMER_A, "basket:summary"),
    (CUSTOMER_A, "customer:summary"),
    (CUSTOMER_A, "customer:profile-update"),
    (CUSTOMER_A, "customer:address-create"),
    (CUSTOMER_A, "customer:order"),
    (CUSTOMER_A, "prescriptions:list"),
    (CUSTOMER_A, "prescriptions:detail"),
    (CUSTOMER_A, "prescriptions:upload-for-product"),
    (CUSTOMER_A, "checkout:shipping-address"),
    (TECHNICIAN, "dashboard:pharmacy-queue"),
    (PHARMACIST, "dashboard:pharmacy-review"),
    (PHARMACIST, "dashboard:pharmacy-inspector"),
    (PHARMACIST, "dashboard:dispense-queue"),
    (ADMIN, "dashboard:index"),
    (ADMIN, "dashboard:catalogue-product-list"),
    (ADMIN, "dashboard:order-list"),
    (ADMIN, "admin:index"),
    (ADMIN, "admin:prescriptions_prescription_changelist"),
]


def _path(name, world):
    return path_for(next(e for e in endpoints() if e.name == name), world)


@pytest.mark.parametrize("role, name", CSP_PAGES)
def test_pages_run_no_script_without_the_nonce(world, role, name):
    client = client_for(role)
    path = _path(name, world)
    if name == "checkout:shipping-address":
        add_to_basket(client, "OTC-LIPBALM")
    response = client.get(path, follow=True)
    assert response.status_code == 200, (path, response.redirect_chain)
    assert_no_unsafe_script(response)


def test_nonce_changes_with_every_response(world):
    client = client_for(ANONYMOUS)
    first, second = (client.get("/catalogue/") for _ in range(2))
    assert _csp(first)["script-src"] != _csp(second)["script-src"]


def test_policy_closes_what_a_pharmacy_never_needs(world):
    policy = _csp(client_for(ANONYMOUS).get("/catalogue/"))
    assert policy["default-src"] == ["'self'"]
    assert policy["object-src"] == ["'none'"] and policy["frame-ancestors"] == ["'none'"]
    assert policy["form-action"] == ["'self'"] and policy["base-uri"] == ["'self'"]


def test_only_the_prescription_file_may_be_framed_by_our_own_pages(world):
    client = client_for(PHARMACIST)
    response = client.get(_path("prescriptions:file", world))
    assert response.status_code == 200
    assert _csp(response)["frame-ancestors"] == ["'self'"]
    assert response["X-Frame-Options"] == "SAMEORIGIN"


# --- Production transport settings (a subprocess with DJANGO_ENV=production) ----------------------

GOOD_SECRET = "x9!Kq2#vL7@pR4$mZ8^tB1&nW6*cF3(hJ5)dS0_gY-uA+eQ=iO~lX|rT?wE<yU>"
PROBE = """
import json
from django.conf import settings
from django.test import Client
response = Client().get("/stripe/webhook/", secure=True, HTTP_HOST="shop.example")
insecure = Client().get("/stripe/webhook/", HTTP_HOST="shop.example")
print(json.dumps({
    "hsts": response.get("Strict-Transport-Security", ""), "csp": response.get("Content-Security-Policy", ""),
    "nosniff": response.get("X-Content-Type-Options", ""), "referrer": response.get("Referrer-Policy", ""),
    "insecure_status": insecure.status_code, "insecure_location": insecure.get("Location", ""),
    "debug": settings.DEBUG, "session_secure": settings.SESSION_COOKIE_SECURE,
    "csrf_secure": settings.CSRF_COOKIE_SECURE, "session_httponly": settings.SESSION_COOKIE_HTTPONLY,
}))
"""


def test_production_sends_hsts_redirects_to_https_and_marks_cookies_secure(tmp_path):
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}
    }
    env.update(
        {
            "DJANGO_ENV": "production",
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "shop.example",
            "RXSHOP_VAR_DIR": str(tmp_path),
            **PRODUCTION_ENV,
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["hsts"] == "max-age=31536000; includeSubDomains; preload"
    assert seen["insecure_status"] == 301 and seen["insecure_location"].startswith("https://")
    script_src = re.search(r"script-src ([^;]*)", seen["csp"]).group(1)
    assert script_src.startswith("'self'") and "unsafe" not in script_src
    assert seen["nosniff"] == "nosniff" and seen["referrer"] == "same-origin"
    assert seen["debug"] is False
    assert seen["session_secure"] and seen["csrf_secure"] and seen["session_httponly"]


# --- Staff sessions expire sooner ---------------------------------------------------------------------


def test_staff_sessions_expire_after_the_staff_session_time(world, settings):
    settings.RXSHOP_STAFF_SESSION_SECONDS = 3600
    staff = client_for(PHARMACIST)
    response = staff.get("/dashboard/pharmacy/")
    assert response.status_code == 200
    session = Session.objects.get(session_key=staff.session.session_key)
    remaining = (session.expire_date - timezone.now()).total_seconds()
    assert 3500 < remaining <= 3600
    assert response.cookies["sessionid"]["max-age"] == 3600

    customer = client_for(CUSTOMER_A)
    customer.get("/accounts/")
    customer_session = Session.objects.get(session_key=customer.session.session_key)
    assert (customer_session.expire_date - timezone.now()).total_seconds() > 86400  # customers: Django's default

    # An hour without a request: the session is over, the next page asks for the password again.
    Session.objects.filter(pk=session.pk).update(expire_date=timezone.now() - datetime.timedelta(seconds=1))
    response = staff.get("/dashboard/pharmacy/")
    assert response.status_code == 302 and response["Location"].startswith(("/accounts/login/", "/dashboard/login/"))


def test_a_staff_session_is_written_at_most_once_a_minute_while_its_expiry_slides(world, settings):
    settings.RXSHOP_STAFF_SESSION_SECONDS = 3600
    staff = client_for(PHARMACIST)

    def session_writes(path="/dashboard/pharmacy/") -> int:
        with CaptureQueriesContext(connection) as queries:
            assert staff.get(path).status_code == 200
        return sum(q["sql"].startswith(('UPDATE "django_session"', 'INSERT INTO "django_session"')) for q in queries)

    assert session_writes() == 1  # the first page sets the staff expiry
    assert session_writes() == 0 and session_writes() == 0
    # Two minutes of work later the expiry moves on again (with the session's last write).
    session = staff.session
    session["rx_staff_expiry_slid_at"] -= 120
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + datetime.timedelta(seconds=3480)
    )
    assert session_writes() == 1
    remaining = (Session.objects.get(session_key=session.session_key).expire_date - timezone.now()).total_seconds()
    assert 3500 < remaining <= 3600
    # A shorter staff session time takes effect on the next request, not a minute later.
    settings.RXSHOP_STAFF_SESSION_SECONDS = 1800
    assert session_writes() == 1
    remaining = (Session.objects.get(session_key=session.session_key).expire_date - timezone.now()).total_seconds()
    assert 1700 < remaining <= 1800


# --- CSRF on every POST ----------------------------------------------------------------------------

# Views that take POSTs without a CSRF token, and what protects them instead.
CSRF_EXEMPT = {
    "payments:webhook": "Stripe's signature (payments/views.py)",
}


@pytest.mark.slow
def test_every_post_without_a_csrf_token_is_refused(world):
    """Anonymous, a customer and staff POST to every URL of the project with no token: 403."""
    accepted = []
    paths = paths_for(world)
    for role in (ANONYMOUS, CUSTOMER_A, PHARMACIST, ADMIN):
        client = client_for(role, enforce_csrf_checks=True, raise_request_exception=False)
        for endpoint, path in paths.items():
            if endpoint.key in CSRF_EXEMPT:
                continue
            response = client.post(path, {"action": "place_order"})
            if response.status_code != 403:
                accepted.append(f"{role} POST {path} ({endpoint.key}) -> {response.status_code}")
    assert not accepted, "POSTs accepted without a CSRF token:\n" + "\n".join(accepted)


def test_csrf_exempt_views_are_only_the_declared_ones():
    exempt = sorted({e.key for e in endpoints() if getattr(e.callback, "csrf_exempt", False)})
    # The upload views are csrf_exempt on the outside and csrf_protect inside (after their
    # upload handler is installed): the test above proves they still refuse a missing token.
    inner = {"prescriptions:upload-for-product", "prescriptions:upload-for-line", "prescriptions:answer"}
    assert set(exempt) - inner == set(CSRF_EXEMPT), exempt


def test_the_webhook_without_a_token_still_needs_stripes_signature(client, db):
    response = Client(enforce_csrf_checks=True).post("/stripe/webhook/", data="{}", content_type="application/json")
    assert response.status_code == 400


# --- Nothing about patients in error pages or logs ---------------------------------------------------

PATIENT_DATA = ["Alice Moreno", "1994-05-17", "alice@example.com", "+1 212 555 0199", "22 Jay Street"]


def test_a_server_error_page_shows_nothing_of_the_request(world, monkeypatch, settings):
    """DEBUG off, as in production: an exception in a prescription page gives a bare 500."""
    from prescriptions import selectors

    settings.DEBUG = False

    def broken(**kwargs):
        raise ValueError("Alice Moreno, born 1994-05-17, alice@example.com, +1 212 555 0199, 22 Jay Street")

    monkeypatch.setattr(selectors, "prescription_for_customer", broken)
    client = client_for(CUSTOMER_A, raise_request_exception=False)
    response = client.get(_path("prescriptions:detail", world) + "?email=alice@example.com")
    assert response.status_code == 500
    page = response.content.decode()
    for value in PATIENT_DATA + ["Traceback", "ValueError", "prescription_for_customer"]:
        assert value not in page, value


def _console_output(record: logging.LogRecord) -> str:
    """What the configured console handler (settings.LOGGING) writes for ``record``."""
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactPatientData) for f in h.filters))
    stream = io.StringIO()
    old, handler.stream = handler.stream, stream
    try:
        handler.handle(record)
    finally:
        handler.stream = old
    return stream.getvalue()


def test_logged_patient_data_is_redacted_by_the_configured_handler():
    try:
        raise ValueError("no patient for alice@example.com (+1 212 555 0199)")
    except ValueError:
        import sys as _sys

        exc_info = _sys.exc_info()
    record = logging.LogRecord(
        "prescriptions",
        logging.ERROR,
        __file__,
        1,
        "upload failed for %s: %r",
        (
            "alice@example.com",
            {
                "first_name": "Alice",
                "last_name": "Moreno",
                "date_of_birth": "1994-05-17",
                "address_line1": "22 Jay Street",
                "quantity": 30,
            },
        ),
        exc_info,
    )
    output = _console_output(record)
    for value in PATIENT_DATA + ["Alice", "Moreno"]:
        assert value not in output, (value, output)
    assert "upload failed for [redacted]" in output and "'quantity': 30" in output
    assert "ValueError: no patient for [redacted] ([redacted])" in output


def test_a_request_error_logged_by_django_is_redacted(world, monkeypatch, settings):
    from prescriptions import selectors

    settings.DEBUG = False
    monkeypatch.setattr(
        selectors,
        "prescription_for_customer",
        lambda **kw: (_ for _ in ()).throw(RuntimeError("lookup of alice@example.com failed")),
    )
    captured = []
    handler = next(h for h in logging.getLogger().handlers if any(isinstance(f, RedactPatientData) for f in h.filters))
    monkeypatch.setattr(handler, "emit", lambda record: captured.append(handler.format(record)))
    client_for(CUSTOMER_A, raise_request_exception=False).get(_path("prescriptions:detail", world))
    logged = "\n".join(captured)
    assert "Internal Server Error" in logged and "RuntimeError: lookup of [redacted] failed" in logged
    assert "alice@example.com" not in logged


@pytest.mark.parametrize(
    "text, expected",
    [
        ("card 4242 4242 4242 4242 declined", "card [redacted] declined"),
        ("key sk_test_abcdefghijklmnop leaked", "key [redacted] leaked"),
        ("ssn 123-45-6789", "ssn [redacted]"),
        ("call (212) 555-0199 now", "call [redacted] now"),
        ("order 100023 line 3 at 2026-11-26 14:05", "order 100023 line 3 at 2026-11-26 14:05"),
        ("prescriber_name=Dr Jane Smith&quantity=30", "prescriber_name=[redacted]&quantity=30"),
    ],
)
def test_redaction_patterns(text, expected):
    assert redact(text) == expected


def test_error_reports_hide_every_post_value_and_local_variable(rf):
    from django.views.debug import ExceptionReporter

    request = rf.post("/prescriptions/upload/product/1/", {"first_name": "Alice", "date_of_birth": "1994-05-17"})
    try:
        patient = "Alice Moreno"  # noqa: F841 - a local the report must not show
        raise ValueError("boom")
    except ValueError:
        reporter = ExceptionReporter(request, *sys.exc_info())
    text = reporter.get_traceback_text()
    assert "Alice" not in text and "1994-05-17" not in text


# --- State changes need a POST -------------------------------------------------------------------


def test_granting_the_partner_dashboard_needs_a_post(world):
    """Oscar linked a user to a partner (and so to every order in the partner
    dashboard) on a plain GET: a link in an e-mail, opened by an administrator."""
    from django.contrib.auth import get_user_model
    from oscar.core.loading import get_model

    partner = get_model("partner", "Partner").objects.get(code="rxshop-pharmacy")
    alice = get_user_model().objects.get(pk=world.alice_pk)
    url = f"/dashboard/partners/{partner.pk}/users/{alice.pk}/link/"
    admin = client_for(ADMIN)
    assert admin.get(url).status_code == 405
    assert not partner.users.filter(pk=alice.pk).exists()
    assert admin.post(url).status_code == 302  # the dashboard's own form still works
    assert partner.users.filter(pk=alice.pk).exists()
