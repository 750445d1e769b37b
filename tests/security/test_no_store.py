"""Personal pages carry ``Cache-Control: private, no-store`` (infra/nocache.py); the
public catalogue stays cacheable for anonymous visitors. (The sweep over every
URL and role: test_access_matrix.test_no_personal_page_may_be_kept_by_a_cache.)"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.security.world import staff_session

pytestmark = pytest.mark.django_db


def _not_stored(response) -> bool:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    return {"private", "no-store"} <= directives


@pytest.mark.parametrize("url", ["/accounts/", "/accounts/orders/", "/prescriptions/", "/basket/", "/checkout/"])
def test_a_customers_pages_are_not_stored(alice_client, url):
    response = alice_client.get(url)
    assert response.status_code in (200, 302), url
    assert _not_stored(response), (url, response.get("Cache-Control"))


def test_the_catalogue_is_personal_once_signed_in_and_cacheable_before(alice_client):
    anonymous = Client().get("/catalogue/")
    assert anonymous.status_code == 200 and "no-store" not in anonymous.get("Cache-Control", "")
    signed_in = alice_client.get("/catalogue/")
    assert signed_in.status_code == 200 and _not_stored(signed_in)


def test_anonymous_pages_outside_the_catalogue_are_not_stored(client, demo_shop):
    for url in ("/accounts/login/", "/basket/", "/password-reset/"):
        assert _not_stored(client.get(url)), url


def test_staff_pages_are_not_stored(demo_shop):
    pharmacist = get_user_model().objects.get(email="pharmacist@example.com")
    client = staff_session(Client(), pharmacist)
    for url in (
        "/dashboard/",
        "/dashboard/pharmacy/",
        "/dashboard/pharmacy/history/",
        "/dashboard/pharmacy/access-log/",
    ):
        response = client.get(url)
        assert response.status_code in (200, 302, 403), url
        assert _not_stored(response), (url, response.get("Cache-Control"))
