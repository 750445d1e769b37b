"""Refunds from the staff screen and the customer's own cancel button.

rxshop enforces the money rules whatever Stripe (or localstripe, which refunds
above the captured amount) would allow.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from oscar.core.loading import get_model

from payments import services as payments
from payments.exceptions import PaymentNotAllowed
from payments.models import PaymentAuthorisation, RefundReason
from prescriptions import fulfilment
from prescriptions.orders import OrderStatus
from shop.storefront import selectors
from tests.factories import CustomerFactory, OrderFactory, TechnicianFactory
from tests.factories.orders import ship
from tests.factories.users import staff_client

from .conftest import authorise, otc_product
from .test_door import dispense, rx_line

Order = get_model("order", "Order")
State = PaymentAuthorisation.State
pytestmark = pytest.mark.django_db


def refund_url(order) -> str:
    return f"/dashboard/pharmacy/dispense/order/{order.number}/refund/"


def cancel_url(order) -> str:
    return f"/pharmacy/orders/{order.number}/cancel/"


def test_a_refund_above_what_was_captured_is_refused_on_the_screen(rx_order, pharmacist):
    dispense(rx_order, pharmacist)  # 75.00 captured
    client = staff_client(pharmacist)
    page = client.get(refund_url(rx_order))
    assert page.status_code == 200 and "not taken back into stock" in page.content.decode()
    fulfilment.refund_order(
        order=rx_order,
        actor=pharmacist,
        reason_code=RefundReason.DAMAGED_IN_TRANSIT,
        line_quantities={rx_line(rx_order).pk: 1},
    )
    # 50.00 of 75.00 is refunded: 50.00 more is above what is left, refused whatever Stripe would allow.
    response = client.post(
        refund_url(rx_order), {f"quantity-{rx_line(rx_order).pk}": "1", "reason_code": RefundReason.WRONG_ITEM}
    )
    assert response.status_code == 200
    assert "at most 25.00 can be refunded" in response.content.decode()
    authorisation = rx_order.payment_authorisations.get()
    assert authorisation.amount_refunded == D("50.00")
    with pytest.raises(PaymentNotAllowed, match="at most 25.00 can be refunded"):
        payments.refund_payment(order=rx_order, amount=D("25.01"), reason="Goodwill.", actor=pharmacist)


def test_staff_refund_chosen_lines_with_quantities_then_the_rest(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    balm = rx_order.lines.get(product__title="Lip balm")  # 2 x 12.50
    client = staff_client(pharmacist)
    response = client.post(
        refund_url(rx_order),
        {f"quantity-{balm.pk}": "1", "reason_code": RefundReason.WRONG_ITEM, "note": "Sent the wrong flavour."},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    authorisation = rx_order.payment_authorisations.get()
    refund = authorisation.refunds.get()
    assert (refund.amount, refund.reason_code, refund.note, refund.actor) == (
        D("12.50"),
        RefundReason.WRONG_ITEM,
        "Sent the wrong flavour.",
        pharmacist,
    )
    event = rx_order.payment_events.get(event_type__name="Refunded")
    assert [(q.line_id, q.quantity) for q in event.line_quantities.all()] == [(balm.pk, 1)]

    response = client.post(refund_url(rx_order), {"whole": "on", "reason_code": RefundReason.NOT_DELIVERED})
    assert response.status_code == 302
    authorisation.refresh_from_db()
    assert authorisation.amount_refunded == D("75.00") and authorisation.refundable == 0
    assert rx_order.sources.get().amount_refunded == D("75.00")


def test_the_shipping_can_be_refunded_once(db, localstripe, customer, pharmacist):
    order = OrderFactory(
        lines=[(otc_product("10.00"), 1)], status=OrderStatus.AWAITING_SHIPMENT, user=customer, shipping_address=None
    )
    Order.objects.filter(pk=order.pk).update(
        shipping_incl_tax=D("4.95"), shipping_excl_tax=D("4.95"), total_incl_tax=D("14.95"), total_excl_tax=D("14.95")
    )
    order.refresh_from_db()
    authorise(order)
    payments.capture_payment(order=order, actor=pharmacist)
    fulfilment.refund_order(order=order, actor=pharmacist, reason_code=RefundReason.NOT_DELIVERED, shipping=True)
    assert order.payment_authorisations.get().refunds.get().shipping_amount == D("4.95")
    with pytest.raises(PaymentNotAllowed, match="Nothing to refund"):
        fulfilment.refund_order(order=order, actor=pharmacist, reason_code=RefundReason.NOT_DELIVERED, shipping=True)


def test_a_technician_and_the_customer_cannot_open_the_refund_screen(rx_order, customer):
    assert staff_client(TechnicianFactory()).get(refund_url(rx_order)).status_code == 403
    client = Client()
    client.force_login(customer)
    assert client.get(refund_url(rx_order)).status_code in (302, 403)


def test_the_customer_cancels_an_order_not_yet_dispensed_and_the_card_hold_is_voided(rx_order, customer, stripe_v1):
    client = Client()
    client.force_login(customer)
    page = client.get(f"/accounts/orders/{rx_order.number}/")
    html = page.content.decode()
    assert "Cancel this order" in html and "not charged" in html and "Waiting for the pharmacist" in html
    assert "Allocation" not in html
    assert client.get(cancel_url(rx_order)).status_code == 405
    response = client.post(cancel_url(rx_order))
    assert response.status_code == 302
    rx_order.refresh_from_db()
    authorisation = rx_order.payment_authorisations.get()
    assert (rx_order.status, authorisation.state) == (OrderStatus.CANCELLED, State.VOIDED)
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"
    page = client.get(f"/accounts/orders/{rx_order.number}/").content.decode()
    assert "no money was taken" in page and "Cancel this order" not in page


def test_an_order_charged_in_part_by_a_first_parcel_offers_no_cancel_that_takes_no_money(
    otc_order, customer, pharmacist
):
    """Two lip balms, one shipped: the card was charged at the first parcel and the order still
    waits for the second. "Cancel this order — no money is taken" would be untrue."""
    ship(otc_order, pharmacist, lines={otc_order.lines.get().pk: 1})
    otc_order.refresh_from_db()
    assert otc_order.status == OrderStatus.AWAITING_SHIPMENT
    assert otc_order.payment_authorisations.get().amount_captured > 0
    assert not selectors.customer_may_cancel(otc_order)
    client = Client()
    client.force_login(customer)
    page = client.get(f"/accounts/orders/{otc_order.number}/").content.decode()
    assert "Cancel this order" not in page and "No money is taken" not in page


def test_an_order_whose_card_was_charged_offers_no_cancel_even_before_the_pharmacist(rx_order, customer, pharmacist):
    assert selectors.customer_may_cancel(rx_order)
    payments.capture_payment(order=rx_order, actor=pharmacist, amount=D("1.00"))  # any amount
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE
    assert not selectors.customer_may_cancel(rx_order)
    client = Client()
    client.force_login(customer)
    assert "Cancel this order" not in client.get(f"/accounts/orders/{rx_order.number}/").content.decode()


def test_the_customer_cannot_cancel_a_dispensed_order(rx_order, customer, pharmacist):
    dispense(rx_order, pharmacist)
    client = Client()
    client.force_login(customer)
    page = client.get(f"/accounts/orders/{rx_order.number}/").content.decode()
    assert "Cancel this order" not in page and "Dispensed — charged $75.00" in page
    client.post(cancel_url(rx_order))
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.DISPENSED
    assert rx_order.payment_authorisations.get().state == State.CAPTURED


def test_a_customer_cannot_cancel_someone_elses_order(rx_order):
    client = Client()
    client.force_login(CustomerFactory(username="mallory", email="mallory@example.com"))
    assert client.post(cancel_url(rx_order)).status_code == 404
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE
