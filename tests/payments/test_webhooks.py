"""Stripe webhooks: verified, stored once, reconciled with rxshop's records (the source of truth).

Events are signed here exactly as Stripe and localstripe sign them
(``Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")``): localstripe
never sends ``canceled`` or ``charge.refunded`` and cannot reach the test client.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from decimal import Decimal as D

import pytest

from payments import services
from payments.models import PaymentAuthorisation, StripeEvent
from prescriptions.orders import OrderStatus
from tests.conftest import LOCALSTRIPE_WEBHOOK_SECRET

State = PaymentAuthorisation.State
URL = "/stripe/webhook/"

pytestmark = pytest.mark.django_db


def sign(payload: str, *, secret: str = LOCALSTRIPE_WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    timestamp = int(time.time()) if timestamp is None else timestamp
    digest = hmac.new(secret.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


_counter = iter(range(1, 10_000))


def event(event_type: str, obj: dict, *, created: int | None = None, event_id: str | None = None) -> dict:
    return {
        "id": event_id or f"evt_test_{next(_counter)}",
        "object": "event",
        "type": event_type,
        "created": int(time.time()) if created is None else created,
        "api_version": "2017-08-15",
        "data": {"object": obj},
    }


def intent_object(authorisation, status: str) -> dict:
    return {
        "id": authorisation.intent_id,
        "object": "payment_intent",
        "status": status,
        "amount": int(authorisation.amount_authorised * 100),
        "currency": authorisation.currency,
    }


def post(client, body: dict | str, **sign_kwargs):
    payload = body if isinstance(body, str) else json.dumps(body)
    return client.post(
        URL, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=sign(payload, **sign_kwargs)
    )


def snapshot(authorisation) -> tuple:
    authorisation.refresh_from_db()
    return (
        authorisation.state,
        authorisation.amount_captured,
        authorisation.amount_refunded,
        authorisation.needs_review,
        authorisation.order.status,
    )


@pytest.fixture
def authorisation(otc_order):
    return otc_order.payment_authorisations.get()


def test_forged_signature_is_refused_and_changes_nothing(client, authorisation):
    before = snapshot(authorisation)
    response = post(
        client, event("payment_intent.canceled", intent_object(authorisation, "canceled")), secret="whsec_not_ours"
    )
    assert response.status_code == 400
    assert snapshot(authorisation) == before
    assert not StripeEvent.objects.exists()


def test_an_old_timestamp_is_refused(client, authorisation):
    before = snapshot(authorisation)
    response = post(
        client,
        event("payment_intent.canceled", intent_object(authorisation, "canceled")),
        timestamp=int(time.time()) - 301,
    )
    assert response.status_code == 400
    assert snapshot(authorisation) == before
    assert not StripeEvent.objects.exists()


@pytest.mark.parametrize("body", ["{not json", "[]", json.dumps({"id": "evt_1", "type": "payment_intent.canceled"})])
def test_malformed_events_are_refused(client, authorisation, body):
    before = snapshot(authorisation)
    assert post(client, body).status_code == 400
    assert snapshot(authorisation) == before
    assert not StripeEvent.objects.exists()


def test_missing_signature_and_get_are_refused(client, db):
    assert client.post(URL, data="{}", content_type="application/json").status_code == 400
    assert client.get(URL).status_code == 405


def test_a_replayed_event_is_a_no_op(client, authorisation, pharmacist):
    services.capture_payment(order=authorisation.order, actor=pharmacist)
    body = event("payment_intent.succeeded", intent_object(authorisation, "succeeded"))
    first = post(client, body)
    before = snapshot(authorisation)
    second = post(client, body)
    assert first.json()["outcome"] == "consistent"
    assert second.status_code == 200 and second.json()["outcome"] == "duplicate"
    assert StripeEvent.objects.count() == 1
    assert snapshot(authorisation) == before


def test_canceled_for_a_captured_payment_is_flagged_not_applied(client, authorisation, pharmacist):
    services.capture_payment(order=authorisation.order, actor=pharmacist)
    response = post(client, event("payment_intent.canceled", intent_object(authorisation, "canceled")))
    assert response.json()["outcome"] == "flagged"
    state, captured, _refunded, needs_review, _status = snapshot(authorisation)
    assert (state, captured, needs_review) == (State.CAPTURED, D("25.00"), True)
    assert "canceled" in authorisation.review_note


def test_stripe_cancelling_an_expired_authorisation_voids_it_and_cancels_the_order(client, authorisation):
    response = post(client, event("payment_intent.canceled", intent_object(authorisation, "canceled")))
    assert response.json()["outcome"] == "applied"
    state, _c, _r, _review, order_status = snapshot(authorisation)
    assert (state, order_status) == (State.VOIDED, OrderStatus.CANCELLED)


def test_succeeded_for_a_payment_rxshop_holds_uncaptured_is_flagged(client, authorisation):
    response = post(client, event("payment_intent.succeeded", intent_object(authorisation, "succeeded")))
    assert response.json()["outcome"] == "flagged"
    assert snapshot(authorisation) == (State.AUTHORISED, D("0.00"), D("0.00"), True, OrderStatus.AWAITING_SHIPMENT)


def test_out_of_order_events_older_than_what_was_applied_are_not_applied(client, authorisation, pharmacist):
    services.capture_payment(order=authorisation.order, actor=pharmacist)
    now = int(time.time())
    newer = post(client, event("payment_intent.succeeded", intent_object(authorisation, "succeeded"), created=now))
    older = post(client, event("payment_intent.canceled", intent_object(authorisation, "canceled"), created=now - 60))
    assert (newer.json()["outcome"], older.json()["outcome"]) == ("consistent", "stale")
    assert snapshot(authorisation) == (State.CAPTURED, D("25.00"), D("0.00"), False, OrderStatus.AWAITING_SHIPMENT)


def test_refund_events_are_checked_against_rxshop_refunds(client, authorisation, pharmacist):
    order = authorisation.order
    services.capture_payment(order=order, actor=pharmacist)
    services.refund_payment(order=order, amount=D("5.00"), reason="Damaged.", actor=pharmacist)
    charge = {"id": "ch_1", "object": "charge", "payment_intent": authorisation.intent_id, "amount": 2500}
    now = int(time.time())

    assert (
        post(client, event("charge.refunded", {**charge, "amount_refunded": 500}, created=now)).json()["outcome"]
        == "consistent"
    )
    outside = post(client, event("charge.refunded", {**charge, "amount_refunded": 1500}, created=now + 1))
    assert outside.json()["outcome"] == "flagged"
    assert snapshot(authorisation)[2:4] == (D("5.00"), True), "rxshop's refund total is not overwritten"


def test_events_for_unknown_intents_are_stored_unmatched(client, db):
    response = post(client, event("payment_intent.succeeded", {"id": "pi_unknown", "object": "payment_intent"}))
    assert response.json()["outcome"] == "unmatched"
    assert StripeEvent.objects.get().object_id == "pi_unknown"


def test_a_replayed_refund_webhook_changes_nothing(client, authorisation, pharmacist):
    order = authorisation.order
    services.capture_payment(order=order, actor=pharmacist)
    services.refund_payment(order=order, amount=D("5.00"), reason="Damaged.", actor=pharmacist)
    refund_id = authorisation.refunds.get().stripe_refund_id
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": authorisation.intent_id,
        "amount": 2500,
        "amount_refunded": 500,
        "refunds": {"data": [{"id": refund_id, "amount": 500, "status": "succeeded"}]},
    }
    body = event("charge.refunded", charge)
    assert post(client, body).json()["outcome"] == "consistent"
    before = (snapshot(authorisation), order.payment_events.count(), authorisation.refunds.count())
    assert post(client, body).json()["outcome"] == "duplicate"
    # The same facts under a new event id: still nothing new.
    assert post(client, event("charge.refunded", charge)).json()["outcome"] == "consistent"
    assert (snapshot(authorisation), order.payment_events.count(), authorisation.refunds.count()) == before


def test_a_refund_made_in_the_stripe_dashboard_is_recorded_once(client, authorisation, pharmacist):
    from payments.models import RefundReason

    order = authorisation.order
    services.capture_payment(order=order, actor=pharmacist)
    charge = {
        "id": "ch_1",
        "object": "charge",
        "payment_intent": authorisation.intent_id,
        "amount": 2500,
        "amount_refunded": 700,
        "refunds": {"data": [{"id": "re_dashboard1", "amount": 700, "status": "succeeded"}]},
    }
    now = int(time.time())
    assert post(client, event("charge.refunded", charge, created=now)).json()["outcome"] == "applied"
    assert post(client, event("charge.refunded", charge, created=now + 1)).json()["outcome"] == "consistent"
    refund = authorisation.refunds.get()
    assert (refund.stripe_refund_id, refund.amount, refund.made_outside_rxshop, refund.reason_code) == (
        "re_dashboard1",
        D("7.00"),
        True,
        RefundReason.OUTSIDE_RXSHOP,
    )
    assert snapshot(authorisation)[2:4] == (D("7.00"), False)
    assert order.sources.get().amount_refunded == D("7.00")
    assert order.payment_events.filter(event_type__name="Refunded", amount=D("7.00")).count() == 1
