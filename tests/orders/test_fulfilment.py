"""Money first, then the status: shipping captures, cancelling voids; Stripe cancelling by itself
is announced by payments and the order follows."""

from __future__ import annotations

import time

import pytest
import stripe
from oscar.core.loading import get_model

from payments import services as payments
from payments import webhooks
from payments.exceptions import PaymentGatewayUnavailable
from payments.models import PaymentAuthorisation, PaymentLogEntry
from prescriptions import fulfilment
from prescriptions.orders import LineStatus, OrderStatus, OrderStatusRefused, Route
from tests.factories.orders import ship

from .conftest import authorise, make_order, otc_product
from .test_door import dispense

Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db

SERVER_ERROR = (b'{"error": {"type": "api_error", "message": "Something went wrong on our end."}}', 500, {})


@pytest.fixture
def stripe_down_for(monkeypatch):
    """``stripe_down_for("/cancel")``: every request to a URL ending so gets a 500."""
    real_request = stripe.RequestsClient.request
    failing: list[str] = []

    def request(self, method, url, headers, post_data=None):
        if any(url.endswith(suffix) for suffix in failing):
            return SERVER_ERROR
        return real_request(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", request)
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda self, n: 0)
    return failing.append


# --- Ship -----------------------------------------------------------------------------------


def test_otc_order_is_captured_when_it_ships(otc_order, pharmacist, stripe_v1):
    order = ship(otc_order, pharmacist)
    authorisation = order.payment_authorisations.get()
    assert order.status == otc_order.status == OrderStatus.SHIPPED
    assert set(order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}
    assert (authorisation.state, authorisation.amount_captured) == (State.CAPTURED, order.total_incl_tax)
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "succeeded"
    # Shipping it again (a double click) is refused and captures nothing more.
    with pytest.raises(OrderStatusRefused):
        ship(otc_order, pharmacist)
    assert PaymentEvent.objects.filter(order=otc_order, event_type__name="Captured").count() == 1


def test_a_prescription_order_cannot_ship_before_it_is_dispensed(rx_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="not dispensed yet"):
        ship(rx_order, pharmacist)
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE
    assert rx_order.payment_authorisations.get().state == State.AUTHORISED


def test_a_dispensed_prescription_order_ships_without_a_second_capture(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    order = ship(rx_order, pharmacist)
    assert order.status == OrderStatus.SHIPPED
    assert PaymentEvent.objects.filter(order=rx_order, event_type__name="Captured").count() == 1
    assert set(order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}


def test_an_otc_order_whose_card_hold_was_voided_does_not_ship(otc_order, pharmacist):
    payments.void_payment(order=otc_order, reason="Released.", actor=pharmacist)
    with pytest.raises(Exception, match="voided"):
        ship(otc_order, pharmacist)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT


# --- Cancel --------------------------------------------------------------------------------------


def test_cancelling_voids_the_card_hold_then_cancels_the_order(rx_order, pharmacist, stripe_v1):
    fulfilment.cancel_order(
        order=rx_order, reason="Prescription rejected by the pharmacist.", actor=pharmacist, via=Route.STAFF
    )
    authorisation = rx_order.payment_authorisations.get()
    assert rx_order.status == OrderStatus.CANCELLED
    assert set(rx_order.lines.values_list("status", flat=True)) == {LineStatus.CANCELLED}
    assert all(line.num_allocated == 0 for line in rx_order.lines.all())
    assert authorisation.state == State.VOIDED
    assert authorisation.void_reason == "Prescription rejected by the pharmacist."
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"
    assert "Prescription rejected by the pharmacist." in rx_order.notes.get().message
    # Cancelled again (a task run twice): nothing more happens.
    fulfilment.cancel_order(order=rx_order, reason="Again.", actor=pharmacist, via=Route.STAFF)
    assert rx_order.notes.count() == 1


def test_the_customer_may_cancel_an_order_still_waiting_but_not_a_dispensed_one(
    rx_order, otc_order, customer, pharmacist
):
    fulfilment.cancel_order(order=otc_order, reason="Changed my mind.", actor=customer, via=Route.CUSTOMER)
    assert otc_order.status == OrderStatus.CANCELLED

    dispense(rx_order, pharmacist)
    with pytest.raises(OrderStatusRefused, match="the customer cannot"):
        fulfilment.cancel_order(order=rx_order, reason="Changed my mind.", actor=customer, via=Route.CUSTOMER)
    assert rx_order.payment_authorisations.get().state == State.CAPTURED  # not touched


def test_a_route_that_may_not_cancel_never_voids(otc_order, pharmacist, stripe_v1):
    with pytest.raises(OrderStatusRefused):
        fulfilment.cancel_order(order=otc_order, reason="Oops.", actor=pharmacist, via=Route.DISPENSING)
    authorisation = otc_order.payment_authorisations.get()
    assert authorisation.state == State.AUTHORISED
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"


def test_stripe_down_while_cancelling_leaves_the_order_and_keeps_the_failed_attempt(
    otc_order, pharmacist, stripe_down_for
):
    stripe_down_for("/cancel")
    with pytest.raises(PaymentGatewayUnavailable):
        fulfilment.cancel_order(order=otc_order, reason="Customer asked.", actor=pharmacist, via=Route.STAFF)
    authorisation = otc_order.payment_authorisations.get()
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT
    assert authorisation.state == State.AUTHORISED
    assert authorisation.log.filter(action=PaymentLogEntry.Action.VOID_FAILED).exists()


# --- Stripe cancelled an authorisation: payments announces, prescriptions cancels ----------------


def canceled_event(authorisation) -> dict:
    return {
        "id": f"evt_cancel_{authorisation.pk}",
        "object": "event",
        "type": "payment_intent.canceled",
        "created": int(time.time()),
        "data": {"object": {"id": authorisation.intent_id, "object": "payment_intent", "status": "canceled"}},
    }


def test_stripe_cancelling_an_authorisation_cancels_the_order_through_the_door(otc_order):
    authorisation = otc_order.payment_authorisations.get()
    assert webhooks.handle_event(canceled_event(authorisation)) == "applied"
    otc_order.refresh_from_db()
    assert otc_order.status == OrderStatus.CANCELLED
    assert set(otc_order.lines.values_list("status", flat=True)) == {LineStatus.CANCELLED}
    assert "(the payment system): Stripe cancelled the card authorisation." in otc_order.notes.get().message


def test_stripe_cancelling_the_hold_of_an_order_that_already_shipped_leaves_it_shipped(db, localstripe, customer):
    """An order shipped before the door existed, its payment never captured: the void is a fact, the
    order cannot be un-shipped; a note tells staff."""
    order = make_order([(otc_product("12.50"), 1)], status=OrderStatus.SHIPPED, user=customer)
    authorisation = authorise(order)
    assert webhooks.handle_event(canceled_event(authorisation)) == "applied"
    order.refresh_from_db()
    authorisation.refresh_from_db()
    assert authorisation.state == State.VOIDED
    assert order.status == OrderStatus.SHIPPED
    assert "settled by hand" in order.notes.get().message
