"""A new customer registers and is signed in (django-axes needs the request in
authenticate(); oscar's registration did not pass it: a server error)."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

pytestmark = pytest.mark.django_db

PASSWORD = "maple-Harbour-2026"


def _signed_in_as(client):
    return get_user_model().objects.filter(pk=client.session.get("_auth_user_id")).values_list("email", flat=True).first()


def test_register_on_the_sign_in_page(client, demo_shop):
    response = client.post("/accounts/login/", {
        "registration-email": "new.customer@example.com", "registration-password1": PASSWORD,
        "registration-password2": PASSWORD, "registration-redirect_url": "", "registration_submit": "Register",
    })
    assert response.status_code == 302
    assert _signed_in_as(client) == "new.customer@example.com"


def test_register_on_the_registration_page(client, demo_shop):
    response = client.post("/accounts/register/", {
        "email": "other.customer@example.com", "password1": PASSWORD, "password2": PASSWORD, "redirect_url": "",
    })
    assert response.status_code == 302
    assert _signed_in_as(client) == "other.customer@example.com"


def test_sign_in_still_works_and_wrong_password_is_refused(client, demo_shop):
    refused = client.post("/accounts/login/", {"login-username": "alice@example.com", "login-password": "wrong",
                                               "login_submit": "Log In"})
    assert refused.status_code == 200 and _signed_in_as(client) is None
    response = client.post("/accounts/login/", {"login-username": "alice@example.com",
                                                "login-password": "alice-demo-2026", "login_submit": "Log In"})
    assert response.status_code == 302 and _signed_in_as(client) == "alice@example.com"
