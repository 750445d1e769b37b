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
