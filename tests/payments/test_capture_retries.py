"""Stripe failing during capture: retried with the same idempotency key, never recorded wrongly.

The HTTP layer under the Stripe SDK is wrapped: chosen capture requests get a
500 or a timeout, everything else reaches the real localstripe.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest
import stripe
from oscar.core.loading import get_model

from payments import services
from payments.exceptions import PaymentGatewayUnavailable
from payments.models import PaymentAuthorisation, PaymentLogEntry
from prescriptions.orders import OrderStatus
from tests.factories.orders import ship

PaymentEvent = get_model("order", "PaymentEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db

SERVER_ERROR = (b'{"error": {"type": "api_error", "message": "Something went wrong on our end."}}', 500, {})


@pytest.fixture
def capture_requests(monkeypatch):
    """Every capture request's Idempotency-Key, and a script of what each one meets."""
    real_request = stripe.RequestsClient.request
    script: list[str] = []  # per capture request: "500", "timeout", "lost" (done, answer lost) or "ok"
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
        answer = real_request(self, method, url, headers, post_data)
        if step == "lost":
            raise stripe.APIConnectionError("Request to Stripe timed out.", should_retry=True)
        return answer

    monkeypatch.setattr(stripe.RequestsClient, "request", request)
    monkeypatch.setattr(stripe._http_client.HTTPClient, "_sleep_time_seconds", lambda self, n: 0)
    return script, keys


def test_a_500_then_success_is_retried_with_the_same_key(otc_order, pharmacist, capture_requests, stripe_v1):
    script, keys = capture_requests
    script.extend(["500", "ok"])
    authorisation = services.capture_payment(order=otc_order, actor=pharmacist)

    assert len(keys) == 2 and keys[0] == keys[1] == f"rxshop-{authorisation.intent_id}-capture-2500"
    assert (authorisation.state, authorisation.amount_captured) == (State.CAPTURED, D("25.00"))
    assert PaymentEvent.objects.filter(order=otc_order, event_type__name="Captured").count() == 1
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "succeeded"


def test_stripe_down_during_capture_records_nothing_as_captured(otc_order, pharmacist, capture_requests, stripe_v1):
    script, keys = capture_requests
    script.extend(["500", "timeout", "500"])  # the first try and both retries fail
    with pytest.raises(PaymentGatewayUnavailable, match="nothing was captured"):
        services.capture_payment(order=otc_order, actor=pharmacist)

    authorisation = otc_order.payment_authorisations.get()
    assert len(set(keys)) == 1 and len(keys) == 3
    assert (authorisation.state, authorisation.amount_captured) == (State.AUTHORISED, D("0.00"))
    assert otc_order.sources.get().amount_debited == D("0.00")
    assert not PaymentEvent.objects.filter(order=otc_order, event_type__name="Captured").exists()
    assert authorisation.log.filter(action=PaymentLogEntry.Action.CAPTURE_FAILED).count() == 1
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"

    # Stripe is back: the same capture goes through once.
    services.capture_payment(order=otc_order, actor=pharmacist)
    assert otc_order.payment_authorisations.get().amount_captured == D("25.00")


def test_shipping_does_not_move_the_order_when_the_capture_fails(otc_order, pharmacist, capture_requests):
    script, _keys = capture_requests
    script.extend(["500", "500", "500"])
    with pytest.raises(PaymentGatewayUnavailable):
        ship(otc_order, pharmacist)
    otc_order.refresh_from_db()
    assert otc_order.status == OrderStatus.AWAITING_SHIPMENT


def test_a_capture_whose_answer_was_lost_is_recorded_once(otc_order, pharmacist, capture_requests, stripe_v1):
    """Stripe captured but the answer timed out: the retry (same key) and a read-back find it captured."""
    script, keys = capture_requests
    script.extend(["lost", "ok"])  # localstripe refuses the retry (already captured): rxshop reads the intent back
    authorisation = services.capture_payment(order=otc_order, actor=pharmacist)

    assert keys[0] == keys[1]
    assert (authorisation.state, authorisation.amount_captured) == (State.CAPTURED, D("25.00"))
    assert otc_order.sources.get().amount_debited == D("25.00")
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "succeeded"
