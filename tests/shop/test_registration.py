"""A new customer registers, gets an activation link by e-mail, and is signed in
when they use it. Registration never says whether an address already has an
account (tests/security/test_account_enumeration.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "maple-Harbour-2026"


def _signed_in_as(client):
    return (
        get_user_model().objects.filter(pk=client.session.get("_auth_user_id")).values_list("email", flat=True).first()
    )


def _activation_path(mailoutbox, email):
    (message,) = [m for m in mailoutbox if m.to == [email]]
    return re.search(r"https?://[^/\s]+(/\S+)", message.body).group(1)


def test_register_on_the_sign_in_page_then_activate(client, demo_shop, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/login/",
            {
                "registration-email": "new.customer@example.com",
                "registration-password1": PASSWORD,
                "registration-password2": PASSWORD,
                "registration-redirect_url": "",
                "registration_submit": "Register",
            },
        )
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    assert _signed_in_as(client) is None
    assert not get_user_model().objects.get(email="new.customer@example.com").is_active
    path = _activation_path(mailoutbox, "new.customer@example.com")
    assert client.get(path).status_code == 200 and _signed_in_as(client) is None  # a GET opens nothing
    response = client.post(path)
    assert response.status_code == 302
    assert _signed_in_as(client) == "new.customer@example.com"
    client.logout()
    assert client.post(path).status_code == 200 and _signed_in_as(client) is None  # the link works once


def test_register_on_the_registration_page(client, demo_shop, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/accounts/register/",
            {
                "email": "other.customer@example.com",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "redirect_url": "",
            },
        )
    assert response.status_code == 200 and "Check your e-mail" in response.content.decode()
    client.post(_activation_path(mailoutbox, "other.customer@example.com"))
    assert _signed_in_as(client) == "other.customer@example.com"
    assert client.post(
        "/accounts/login/",
        {"login-username": "other.customer@example.com", "login-password": PASSWORD, "login_submit": "Log In"},
    ).status_code in (200, 302)


def test_an_account_not_yet_activated_cannot_sign_in(client, demo_shop, mailoutbox):
    client.post("/accounts/register/", {"email": "late@example.com", "password1": PASSWORD, "password2": PASSWORD})
    client.post(
        "/accounts/login/", {"login-username": "late@example.com", "login-password": PASSWORD, "login_submit": "Log In"}
    )
    assert _signed_in_as(client) is None


def test_a_wrong_activation_link_opens_nothing(client, demo_shop):
    response = client.post("/pharmacy/accounts/activate/MQ/set-password/")
    assert response.status_code == 200 and "not valid" in response.content.decode()
    assert _signed_in_as(client) is None


def test_sign_in_still_works_and_wrong_password_is_refused(client, demo_shop):
    refused = client.post(
        "/accounts/login/", {"login-username": "alice@example.com", "login-password": "wrong", "login_submit": "Log In"}
    )
    assert refused.status_code == 200 and _signed_in_as(client) is None
    response = client.post(
        "/accounts/login/",
        {"login-username": "alice@example.com", "login-password": "alice-demo-2026", "login_submit": "Log In"},
    )
    assert response.status_code == 302 and _signed_in_as(client) == "alice@example.com"


def test_the_activation_email_names_the_pharmacy_as_recorded_by_setup(
    client, demo_shop, mailoutbox, django_capture_on_commit_callbacks
):
    from prescriptions.pharmacy import record_pharmacy_profile

    record_pharmacy_profile(
        actor=None,
        name="Hudson Street Pharmacy",
        address="120 Hudson Street, New York, NY 10013",
        phone="212-555-0100",
        email="rx@hudson.example",
        pharmacist_in_charge="Dana Whitfield, PharmD",
        npi="1234567893",
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/register/",
            {"email": "named@example.com", "password1": PASSWORD, "password2": PASSWORD, "redirect_url": ""},
        )
    (message,) = [m for m in mailoutbox if m.to == ["named@example.com"]]
    assert message.subject == "Activate your Hudson Street Pharmacy account"
    assert "registering with Hudson Street Pharmacy." in message.body and "rxshop" not in message.body
