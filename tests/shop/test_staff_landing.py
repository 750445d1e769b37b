"""After the second factor, staff land where they work, and every page shows them the way
back to the dashboard and their queue (issue 20.5)."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import staff_client
from tests.shop.test_staff_access import _code, _login

pytestmark = pytest.mark.django_db

DEVICE_FIELD = "otp_device"


def _verify(client, email, next_url):
    page = client.get(f"/pharmacy/staff/verify/?next={next_url}")
    device = page.context["devices"][0][0]
    return client.post("/pharmacy/staff/verify/", {DEVICE_FIELD: device, "otp_token": _code(email), "next": next_url})


@pytest.mark.parametrize("next_url", ["/accounts/", "/"])
def test_staff_signing_in_from_the_shop_land_on_the_dashboard_and_the_pharmacist_on_the_queue(
    client, demo_shop, next_url
):
    _login(client, "pharmacist@example.com")
    response = _verify(client, "pharmacist@example.com", next_url)
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert client.get("/dashboard/")["Location"] == "/dashboard/pharmacy/"


def test_a_page_the_staff_member_asked_for_is_still_where_they_land(client, demo_shop):
    _login(client, "technician@example.com")
    response = _verify(client, "technician@example.com", "/catalogue/")
    assert response["Location"] == "/catalogue/"


def test_the_shop_shows_pharmacy_staff_the_dashboard_and_their_queue(pharmacist, technician):
    for user in (pharmacist, technician):
        html = staff_client(user).get("/catalogue/").content.decode()
        assert '<a href="/dashboard/" class="nav-link">' in html, user
        assert '<a href="/dashboard/pharmacy/" class="nav-link">Review queue</a>' in html, user


def test_customers_see_no_dashboard_link(alice_client):
    html = alice_client.get("/catalogue/").content.decode()
    assert 'href="/dashboard/"' not in html and "Review queue" not in html


def test_the_pharmacy_pages_link_to_the_dashboard_and_the_queue(pharmacist):
    html = staff_client(pharmacist).get("/dashboard/pharmacy/dispense/").content.decode()
    assert '<a class="nav-link" href="/dashboard/">Dashboard</a>' in html
    assert '<a class="nav-link" href="/dashboard/pharmacy/">Review queue</a>' in html


def test_anonymous_visitors_see_no_dashboard_link(demo_shop):
    assert 'href="/dashboard/"' not in Client().get("/catalogue/").content.decode()
