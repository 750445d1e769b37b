"""Card holds that must be released: payments' half of the expiry job.

Which orders lose their card hold, their cancellation and the customer's e-mail
are decided above payments (prescriptions.fulfilment): tests/orders/test_expiry.py.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from payments import services, tasks
from payments.models import PaymentAuthorisation
from prescriptions.orders import OrderStatus

State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def age(order, days: float) -> PaymentAuthorisation:
    """Move the order's authorisation back in time, as if it was authorised ``days`` ago."""
    authorisation = order.payment_authorisations.get()
    authorisation.authorised_at = timezone.now() - timedelta(days=days)
    authorisation.expires_at = authorisation.authorised_at + timedelta(days=7)
    authorisation.save()
    return authorisation


def test_voiding_starts_half_a_day_before_stripe_would_cancel(rx_order):
    authorisation = age(rx_order, days=6)
    fixed_now = authorisation.authorised_at + timedelta(days=6, hours=11)
    assert not services.authorisations_due_to_expire(now=fixed_now).exists()
    assert list(services.authorisations_due_to_expire(now=fixed_now + timedelta(hours=2))) == [authorisation]


def test_an_expiring_authorisation_is_voided_once_and_the_order_status_is_left_alone(rx_order, otc_order, stripe_v1):
    old = age(rx_order, days=7)
    fresh = age(otc_order, days=1)
    reason = "About to expire."

    assert services.void_expiring_authorisation(authorisation_id=fresh.pk, reason=reason) is None
    voided = services.void_expiring_authorisation(authorisation_id=old.pk, reason=reason)

    assert voided.state == State.VOIDED and voided.void_reason == reason
    assert stripe_v1.payment_intents.retrieve(old.intent_id).status == "canceled"
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE  # prescriptions cancels it, not payments
    assert services.void_expiring_authorisation(authorisation_id=old.pk, reason=reason) is None  # run twice
    fresh.refresh_from_db()
    assert fresh.state == State.AUTHORISED


def test_a_captured_authorisation_is_never_due(rx_order, pharmacist):
    services.capture_payment(order=rx_order, actor=pharmacist)
    authorisation = age(rx_order, days=8)
    assert not services.authorisations_due_to_expire().exists()
    assert services.void_expiring_authorisation(authorisation_id=authorisation.pk, reason="Expired.") is None
    authorisation.refresh_from_db()
    assert authorisation.state == State.CAPTURED


def test_a_card_hold_from_an_abandoned_checkout_is_released(db, localstripe, stripe_v1):
    """3-D Secure passed, then the customer closed the window: no order, but a hold on the card."""
    held = services.authorise_payment(
        order_number="300001",
        amount=services.Decimal("20.00"),
        currency="USD",
        payment_method="test-card:visa",
        actor=None,
    )
    recent = services.authorise_payment(
        order_number="300002",
        amount=services.Decimal("20.00"),
        currency="USD",
        payment_method="test-card:visa",
        actor=None,
    )
    PaymentAuthorisation.objects.filter(pk=held.pk).update(created_at=timezone.now() - timedelta(hours=2))

    assert list(services.abandoned_checkout_authorisations()) == [held]
    assert tasks.release_abandoned_authorisation.delay(held.pk).get() is True

    held.refresh_from_db()
    recent.refresh_from_db()
    assert held.state == State.VOIDED and "abandoned" in held.void_reason
    assert stripe_v1.payment_intents.retrieve(held.intent_id).status == "canceled"
    assert recent.state == State.AUTHORISED
    assert tasks.release_abandoned_authorisation.delay(held.pk).get() is False
