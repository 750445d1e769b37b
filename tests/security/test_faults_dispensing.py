"""Faults at the dispense step: Stripe failing during the capture, and two
pharmacists pressing Dispense on the same order at the same moment.

The capture itself against Stripe 500s, timeouts and lost answers is proven in
tests/payments/test_capture_retries.py; here it happens inside a dispense, which
must then leave nothing half done.
"""

from __future__ import annotations

import pytest
import stripe
from oscar.core.loading import get_model

from payments.exceptions import PaymentGatewayUnavailable
from payments.models import PaymentAuthorisation
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.models import Dispense
from prescriptions.models import PrescriptionStatus
from prescriptions.orders import OrderStatus
from tests.dispensing.test_gate_and_dispense import place_rx_order, rma
from tests.review.test_claims import postgres_only, run_together

Order = get_model("order", "Order")
State = PaymentAuthorisation.State

SERVER_ERROR = (b'{"error": {"type": "api_error", "message": "Something went wrong on our end."}}', 500, {})


@pytest.fixture
def stripe_captures(monkeypatch):
    """Every capture request's Idempotency-Key, and what each one meets ("500", "timeout", "ok")."""
    real_request = stripe.RequestsClient.request
    script: list[str] = []
    keys: list[str] = []

    def request(self, method, url, headers, post_data=None):
        if not url.endswith("/capture"):
            return real_request(self, method, url, headers, post_data)
        keys.append(headers["Idempotency-Key"])
        step = script.pop(0) if script else "ok"
        if step == "500":
            return SERVER_ERROR
        if step == "timeout":
            raise stripe.APIConnectionError("Request to Stripe timed out.", should_retry=True)
        return real_request(self, method, url, headers, post_data)

    monkeypatch.setattr(stripe.RequestsClient, "request", request)
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda self, n: 0)
    return script, keys


def _dispense(order, pharmacist):
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    return dispensing.dispense_order(
        order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=True
    )


@pytest.mark.django_db
def test_stripe_down_during_the_dispense_capture_leaves_nothing_dispensed_and_a_retry_captures_once(
    alice_client, alice, technician, pharmacist, localstripe, stripe_captures
):
    script, keys = stripe_captures
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    script.extend(["500", "timeout", "500"])  # the first try and both SDK retries fail

    with pytest.raises(PaymentGatewayUnavailable):
        _dispense(order, pharmacist)

    order.refresh_from_db()
    prescription.refresh_from_db()
    payment = PaymentAuthorisation.objects.get(order=order)
    assert order.status == OrderStatus.AWAITING_DISPENSE
    assert not Dispense.objects.filter(order_line__order=order).exists()
    assert prescription.status == PrescriptionStatus.VERIFIED and prescription.fills_used == 0
    assert (payment.state, payment.amount_captured) == (State.AUTHORISED, 0)
    assert len(keys) == 3 and len(set(keys)) == 1

    # Stripe is back; the pharmacist presses Dispense again: one capture, with the same key.
    outcome = _dispense(order, pharmacist)
    assert outcome.dispensed
    payment.refresh_from_db()
    assert payment.state == State.CAPTURED and payment.amount_captured == order.total_incl_tax
    assert len(keys) == 4 and set(keys) == {keys[0]}
    prescription.refresh_from_db()
    assert prescription.fills_used == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_pharmacists_dispensing_the_same_order_at_once_capture_once(
    alice_client, alice, technician, pharmacist, second_pharmacist, localstripe, stripe_captures
):
    _script, keys = stripe_captures
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist)
    order_pk = Order.objects.get().pk

    results = run_together(
        lambda: _dispense(Order.objects.get(pk=order_pk), pharmacist),
        lambda: _dispense(Order.objects.get(pk=order_pk), second_pharmacist),
    )

    outcomes = sorted(kind for kind, _ in results)
    assert outcomes == ["error", "ok"], results
    loser = next(value for kind, value in results if kind == "error")
    assert isinstance(loser, dispensing.DispenseRefused) and "not waiting to be dispensed" in str(loser)
    winner = next(value for kind, value in results if kind == "ok")
    assert winner.dispensed
    assert len(keys) == 1  # one capture request reached Stripe
    order = Order.objects.get(pk=order_pk)
    payment = PaymentAuthorisation.objects.get(order=order)
    assert order.status == OrderStatus.DISPENSED
    assert payment.amount_captured == order.total_incl_tax
    assert Dispense.objects.filter(order_line__order=order).count() == 1
    prescription.refresh_from_db()
    assert prescription.fills_used == 1
