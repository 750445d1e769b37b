"""Authorisations Stripe would cancel at 7 days are voided first, the order cancelled, the customer told once."""
from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from payments import services, tasks
from payments.models import PaymentAuthorisation

State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def age(order, days: float) -> PaymentAuthorisation:
    """Move the order's authorisation back in time, as if it was authorised ``days`` ago."""
    authorisation = order.payment_authorisations.get()
    authorisation.authorised_at = timezone.now() - timedelta(days=days)
    authorisation.expires_at = authorisation.authorised_at + timedelta(days=7)
    authorisation.save()
    return authorisation


def test_a_seven_day_old_authorisation_is_voided_and_the_customer_told_once(
    rx_order, otc_order, stripe_v1, django_capture_on_commit_callbacks,
):
    old = age(rx_order, days=7)
    fresh = age(otc_order, days=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 1

    old.refresh_from_db()
    rx_order.refresh_from_db()
    assert old.state == State.VOIDED and "about to expire" in old.void_reason
    assert rx_order.status == "Cancelled"
    assert stripe_v1.payment_intents.retrieve(old.intent_id).status == "canceled"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["carol@example.com"]
    assert rx_order.number in mail.outbox[0].subject and "No money was taken" in mail.outbox[0].body
    fresh.refresh_from_db()
    assert fresh.state == State.AUTHORISED

    # The job runs again (or the task is delivered twice): nothing more happens.
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 0
        assert tasks.expire_authorisation.delay(old.pk).get() is False
        assert tasks.send_authorisation_expired_email.delay(rx_order.pk).get() is False  # a redelivery
    assert len(mail.outbox) == 1


def test_voiding_starts_half_a_day_before_stripe_would_cancel(rx_order):
    authorisation = age(rx_order, days=6)
    fixed_now = authorisation.authorised_at + timedelta(days=6, hours=11)
    assert not services.authorisations_due_to_expire(now=fixed_now).exists()
    assert list(services.authorisations_due_to_expire(now=fixed_now + timedelta(hours=2))) == [authorisation]


def test_captured_payments_never_expire(rx_order, pharmacist):
    services.capture_payment(order=rx_order, actor=pharmacist)
    age(rx_order, days=8)
    assert tasks.void_expiring_authorisations.delay().get() == 0
    assert rx_order.payment_authorisations.get().state == State.CAPTURED


def test_the_beat_schedule_runs_the_job_hourly(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["payments-void-expiring-authorisations"]
    assert entry["task"] == tasks.void_expiring_authorisations.name
    assert entry["schedule"] == 3600


def test_a_card_hold_from_an_abandoned_checkout_is_released(db, localstripe, stripe_v1):
    """3-D Secure passed, then the customer closed the window: no order, but a hold on the card."""
    held = services.authorise_payment(order_number="300001", amount=services.Decimal("20.00"), currency="USD",
                                      payment_method="test-card:visa", actor=None)
    recent = services.authorise_payment(order_number="300002", amount=services.Decimal("20.00"), currency="USD",
                                        payment_method="test-card:visa", actor=None)
    PaymentAuthorisation.objects.filter(pk=held.pk).update(created_at=timezone.now() - timedelta(hours=2))

    tasks.void_expiring_authorisations.delay().get()

    held.refresh_from_db()
    recent.refresh_from_db()
    assert held.state == State.VOIDED and "abandoned" in held.void_reason
    assert stripe_v1.payment_intents.retrieve(held.intent_id).status == "canceled"
    assert recent.state == State.AUTHORISED
    assert tasks.release_abandoned_authorisation.delay(held.pk).get() is False
