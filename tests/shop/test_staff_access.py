"""Staff second factor and login throttling."""

from __future__ import annotations

import time

import pytest
from django_otp.oath import totp

from shop.storefront.demo import DEMO_ACCOUNTS

pytestmark = pytest.mark.django_db

ACCOUNTS = {a.email: a for a in DEMO_ACCOUNTS}


def _login(client, email, password=None):
    password = password or ACCOUNTS[email].password
    return client.post(
        "/accounts/login/",
        {
            "login-username": email,
            "login-password": password,
            "login_submit": "Log in",
        },
    )


def _code(email):
    return f"{totp(bytes.fromhex(ACCOUNTS[email].totp_key), t0=0, step=30, digits=6):06d}"


@pytest.mark.parametrize("email", ["pharmacist@example.com", "technician@example.com", "admin@example.com"])
def test_staff_see_nothing_until_they_pass_the_second_factor(client, demo_shop, email):
    _login(client, email)
    for url in ("/dashboard/", "/accounts/profile/", "/catalogue/", "/admin/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/pharmacy/staff/verify/"), url


def test_a_wrong_code_is_refused_and_the_right_one_opens_the_session(client, demo_shop):
    email = "pharmacist@example.com"
    _login(client, email)
    page = client.get("/pharmacy/staff/verify/?next=/accounts/")
    device = page.context["devices"][0][0]
    wrong = f"{(int(_code(email)) + 1) % 1_000_000:06d}"
    response = client.post(
        "/pharmacy/staff/verify/", {"otp_device": device, "otp_token": wrong, "next": "/accounts/profile/"}
    )
    assert response.status_code == 200
    assert client.get("/accounts/profile/").status_code == 302
    time.sleep(1.1)  # django-otp throttles the next try for a second after a failure
    response = client.post(
        "/pharmacy/staff/verify/", {"otp_device": device, "otp_token": _code(email), "next": "/accounts/profile/"}
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    assert client.get("/accounts/profile/").status_code == 200


def test_verify_page_does_not_redirect_off_site(client, demo_shop):
    email = "pharmacist@example.com"
    _login(client, email)
    page = client.get("/pharmacy/staff/verify/")
    device = page.context["devices"][0][0]
    response = client.post(
        "/pharmacy/staff/verify/", {"otp_device": device, "otp_token": _code(email), "next": "https://evil.example/"}
    )
    assert response["Location"] == "/dashboard/"


def test_customers_need_no_second_factor(client, demo_shop):
    _login(client, "alice@example.com")
    assert client.get("/accounts/profile/").status_code == 200


def test_repeated_failed_logins_lock_the_account_from_that_address(client, demo_shop):
    for _ in range(4):
        response = _login(client, "alice@example.com", password="wrong-password-123")
        assert response.status_code == 200
    response = _login(client, "alice@example.com", password="wrong-password-123")
    assert response.status_code == 429  # the fifth failure locks
    response = _login(client, "alice@example.com")  # the right password, too late
    assert response.status_code == 429
    assert b"Too many failed sign-in attempts" in response.content
    assert client.get("/accounts/profile/").status_code == 302  # not logged in


def test_demo_totp_command_prints_a_code_per_staff_account(demo_shop, capsys):
    from django.core.management import call_command

    before = _code("pharmacist@example.com")
    call_command("demo_totp")
    after = _code("pharmacist@example.com")  # the 30-second step may turn during the call
    out = capsys.readouterr().out
    assert "pharmacist@example.com" in out
    assert before in out or after in out


def _group_queries(captured) -> list[str]:
    """The queries asking whether the user holds a staff role (by the roles' names)."""
    return [q["sql"] for q in captured.captured_queries if "Pharmacy technician" in q["sql"]]


def test_the_staff_role_is_read_with_the_user_not_in_a_query_of_its_own(client, demo_shop):
    """Every signed-in request loads the user; the staff check rides on that query
    (``infra.staff.StaffAwareBackendMixin``) instead of costing a customer's page another."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _login(client, "alice@example.com")
    with CaptureQueriesContext(connection) as captured:
        assert client.get("/accounts/profile/").status_code == 200
    [user_query] = [q["sql"] for q in captured.captured_queries if 'FROM "auth_user"' in q["sql"]]
    assert "EXISTS" in user_query.upper()
    assert _group_queries(captured) == [user_query]


def test_a_role_taken_away_counts_from_the_next_request(client, demo_shop, django_user_model):
    email = "technician@example.com"
    _login(client, email)
    assert client.get("/accounts/profile/").status_code == 302  # to the second factor
    user = django_user_model.objects.get(email=email)
    user.groups.clear()
    assert client.get("/accounts/profile/").status_code == 200  # a customer now
    from django.contrib.auth.models import Group

    user.groups.add(Group.objects.get(name="Pharmacy technician"))
    assert client.get("/accounts/profile/").status_code == 302
