"""The dispense screens: only pharmacists, with a second factor; the UI drives the service."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from payments.models import PaymentAuthorisation
from prescriptions.orders import OrderStatus
from tests.dispensing.test_gate_and_dispense import place_rx_order
from tests.review.conftest import staff_client

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db


def test_pharmacist_dispenses_from_the_screen_and_the_card_is_captured(
    alice_client, alice, technician, pharmacist, localstripe
):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    client = staff_client(pharmacist)
    queue = client.get("/dashboard/pharmacy/dispense/")
    assert queue.status_code == 200 and order.number in queue.content.decode()
    page = client.get(f"/dashboard/pharmacy/dispense/order/{order.number}/")
    assert page.status_code == 200 and "RMA number" in page.content.decode()
    dnd = (timezone.localdate() + datetime.timedelta(days=14)).isoformat()
    response = client.post(
        f"/dashboard/pharmacy/dispense/order/{order.number}/",
        {
            f"line-{rx_line.pk}-rma_number": "RMA-9917-0003",
            f"line-{rx_line.pk}-do_not_dispense_after": dnd,
            "medication_guide_included": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPENSED
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == order.total_incl_tax


def test_blocked_dispense_says_why_and_charges_nothing(alice_client, alice, technician, pharmacist, localstripe):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    client = staff_client(pharmacist)
    response = client.post(f"/dashboard/pharmacy/dispense/order/{order.number}/", {})
    assert response.status_code == 200
    html = response.content.decode()
    assert "cannot be dispensed now" in html and "RMA" in html
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == 0


def test_technician_and_customers_cannot_open_the_dispense_screens(
    alice_client, alice, technician, pharmacist, localstripe
):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/"
    assert staff_client(technician).get(url).status_code == 403
    assert staff_client(technician).post(url, {"medication_guide_included": "on"}).status_code == 403
    response = alice_client.get(url)
    assert response.status_code in (302, 403, 404)
    assert order.number not in response.content.decode()
    assert staff_client(pharmacist, second_factor=False).get(url).status_code in (302, 403)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DISPENSE


def test_a_passed_window_asks_to_confirm_the_void_and_only_the_confirmation_voids(
    alice_client, alice, technician, pharmacist, localstripe
):
    place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    client = staff_client(pharmacist)
    url = f"/dashboard/pharmacy/dispense/order/{order.number}/"
    entered = {
        f"line-{rx_line.pk}-rma_number": "RMA-9917-0004",
        f"line-{rx_line.pk}-do_not_dispense_after": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "medication_guide_included": "on",
    }
    asked = client.post(url, entered)
    assert asked.status_code == 200
    html = asked.content.decode()
    payment = PaymentAuthorisation.objects.get(order=order)
    assert f"Void the payment and cancel order {order.number}</button>" in html
    assert f"void the hold on the customer's card (${payment.amount_authorised})" in html
    assert "Nothing has been voided or cancelled yet." in html
    assert 'value="RMA-9917-0004"' in html  # what was entered is kept for the confirmation
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DISPENSE and payment.state == PaymentAuthorisation.State.AUTHORISED

    confirmed = client.post(url, {**entered, "confirm_void_and_cancel": "on"})
    assert confirmed.status_code == 302
    order.refresh_from_db()
    payment.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and payment.state == PaymentAuthorisation.State.VOIDED
