"""Where a customer decides, the promised delivery date (prescriptions.delivery) is shown: the
product page, the basket, the order preview and the order page with its parcels."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from prescriptions import fulfilment
from tests.factories import add_to_basket, checkout_to_preview, product
from tests.orders.test_door import dispense
from tests.payments.conftest import (  # noqa: F401  (fixtures)
    otc_order,
    pharmacist,
    rx_order,
    stripe_v1,
)

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
TUESDAY_1PM = datetime.datetime(2026, 12, 1, 13, 0, tzinfo=NY)  # free shipping (3-5 days): by Tue 8 Dec


@pytest.fixture(autouse=True)
def shipping_settings(settings):
    settings.RXSHOP_DISPATCH_CUTOFF = "14:00"
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}
    settings.REVIEW_TARGET_HOURS = 4


def test_an_otc_product_page_says_order_by_the_cut_off_and_the_day_it_arrives(client, demo_shop):
    with time_machine.travel(TUESDAY_1PM, tick=False):
        html = client.get(product("OTC-LIPBALM").get_absolute_url()).content.decode()
    assert "Order by 2 PM ET, arrives by <strong>Tue 8 Dec</strong>" in html


def test_a_pharmacy_in_another_time_zone_names_its_own_cut_off(client, demo_shop, settings):
    settings.TIME_ZONE = "America/Los_Angeles"  # RXSHOP_TIME_ZONE; 1 PM in New York is 10 AM there
    with time_machine.travel(TUESDAY_1PM, tick=False):
        html = client.get(product("OTC-LIPBALM").get_absolute_url()).content.decode()
        spanish = client.get(product("OTC-LIPBALM").get_absolute_url(), HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Order by 2 PM PT, arrives by <strong>Tue 8 Dec</strong>" in html
    assert "(hora del Pacífico)" in spanish


def test_a_prescription_product_page_counts_from_the_verification(client, demo_shop):
    with time_machine.travel(TUESDAY_1PM, tick=False):  # verified by 17:00, after the cut-off: leaves Wednesday
        html = client.get(product("RX-ISO-20").get_absolute_url()).content.decode()
    assert "After your prescription is verified, usually by <strong>Wed 9 Dec</strong>" in html
    assert "Order by" not in html


def test_the_basket_shows_the_promise(alice_client):
    with time_machine.travel(TUESDAY_1PM, tick=True):
        add_to_basket(alice_client, "OTC-LIPBALM")
        html = alice_client.get("/basket/").content.decode()
    assert "arrives by <strong>Tue 8 Dec</strong>" in html


def test_the_checkout_preview_shows_the_promise_for_the_chosen_method(alice_client, localstripe):
    """The last page before "Place order": the delivery promised for the method chosen."""
    with time_machine.travel(TUESDAY_1PM, tick=True):
        add_to_basket(alice_client, "OTC-LIPBALM")
        response = checkout_to_preview(alice_client)
    assert response.status_code == 200 and response.templates[0].name == "oscar/checkout/preview.html"
    html = response.content.decode()
    assert "Order by 2 PM ET, arrives by <strong>Tue 8 Dec</strong>" in html


def test_the_order_page_shows_each_parcel_with_its_tracking_link(otc_order, pharmacist):  # noqa: F811
    line = otc_order.lines.get()
    fulfilment.ship_order(
        order=otc_order,
        actor=pharmacist,
        parcel=fulfilment.Parcel(carrier="ups", tracking_number="1Z999AA10123456784", lines={line.pk: 1}),
    )
    client = Client()
    client.force_login(otc_order.user)
    html = client.get(f"/accounts/orders/{otc_order.number}/").content.decode()
    assert 'href="https://www.ups.com/track?tracknum=1Z999AA10123456784"' in html
    assert "1 × Lip balm" in html
    assert "arrives by" in html  # one item is still to ship: its promise is shown


def test_a_dispensed_order_page_promises_from_now(rx_order, pharmacist):  # noqa: F811
    dispense(rx_order, pharmacist)
    client = Client()
    client.force_login(rx_order.user)
    with time_machine.travel(TUESDAY_1PM, tick=True):
        html = client.get(f"/accounts/orders/{rx_order.number}/").content.decode()
    assert "arrives by <strong>Tue 8 Dec</strong>" in html
