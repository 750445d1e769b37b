"""The hourly expiry job: an authorisation Stripe would cancel at 7 days is voided first, its
order cancelled through the door and the customer told once — and an order that was
dispensed or shipped is never touched."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from payments import services as payments
from payments.models import PaymentAuthorisation
from payments.tasks import (
    release_abandoned_authorisation,
    send_authorisation_expired_email,
)
from prescriptions import tasks
from prescriptions.orders import OrderStatus
from tests.factories.orders import ship

from .conftest import authorise, make_order, otc_product
from .test_door import dispense

State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def age(order, days: float) -> PaymentAuthorisation:
    """Move the order's authorisation back in time, as if it was authorised ``days`` ago."""
    authorisation = order.payment_authorisations.get()
    authorisation.authorised_at = timezone.now() - timedelta(days=days)
    authorisation.expires_at = authorisation.authorised_at + timedelta(days=7)
    authorisation.save()
    return authorisation


def test_the_task_names_are_the_ones_the_beat_schedule_and_the_outbox_hold(settings):
    assert tasks.void_expiring_authorisations.name == "shop.payments.tasks.void_expiring_authorisations"
    assert tasks.expire_authorisation.name == "shop.payments.tasks.expire_authorisation"
    assert release_abandoned_authorisation.name == "shop.payments.tasks.release_abandoned_authorisation"
    assert send_authorisation_expired_email.name == "shop.payments.tasks.send_authorisation_expired_email"
    entry = settings.CELERY_BEAT_SCHEDULE["payments-void-expiring-authorisations"]
    assert entry["task"] == tasks.void_expiring_authorisations.name
    assert entry["schedule"] == 3600


def test_a_seven_day_old_authorisation_is_voided_and_the_customer_told_once(
    rx_order,
    otc_order,
    stripe_v1,
    django_capture_on_commit_callbacks,
):
    old = age(rx_order, days=7)
    fresh = age(otc_order, days=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 1

    old.refresh_from_db()
    rx_order.refresh_from_db()
    assert old.state == State.VOIDED and "about to expire" in old.void_reason
    assert rx_order.status == OrderStatus.CANCELLED
    assert "(the payment system)" in rx_order.notes.get().message
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
        assert send_authorisation_expired_email.delay(rx_order.pk).get() is False  # a redelivery
    assert len(mail.outbox) == 1


def test_an_order_shipped_and_captured_is_never_voided_nor_emailed(
    otc_order, pharmacist, stripe_v1, django_capture_on_commit_callbacks
):
    ship(otc_order, pharmacist)
    authorisation = age(otc_order, days=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 0
        assert tasks.expire_authorisation.delay(authorisation.pk).get() is False
    authorisation.refresh_from_db()
    assert authorisation.state == State.CAPTURED
    assert otc_order.status == OrderStatus.SHIPPED
    assert mail.outbox == []


def test_an_authorisation_captured_at_dispense_is_not_voided(rx_order, pharmacist, django_capture_on_commit_callbacks):
    dispense(rx_order, pharmacist)
    authorisation = age(rx_order, days=8)
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 0
        assert tasks.expire_authorisation.delay(authorisation.pk).get() is False
    authorisation.refresh_from_db()
    rx_order.refresh_from_db()
    assert (authorisation.state, rx_order.status) == (State.CAPTURED, OrderStatus.DISPENSED)
    assert mail.outbox == []


def test_a_shipped_order_whose_card_was_never_captured_is_not_voided_nor_emailed(
    db, localstripe, customer, stripe_v1, django_capture_on_commit_callbacks
):
    """Oscar's dashboard could ship an order without taking the payment, before the door. Such an
    order keeps its hold for staff to settle; the customer is not told their order expired."""
    order = make_order([(otc_product("12.50"), 2)], status=OrderStatus.SHIPPED, user=customer)
    authorise(order)
    authorisation = age(order, days=7)
    assert list(payments.authorisations_due_to_expire()) == [authorisation]  # payments alone would void it

    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.void_expiring_authorisations.delay().get() == 0
        assert tasks.expire_authorisation.delay(authorisation.pk).get() is False

    authorisation.refresh_from_db()
    order.refresh_from_db()
    assert (authorisation.state, order.status) == (State.AUTHORISED, OrderStatus.SHIPPED)
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"
    assert mail.outbox == []


def test_the_job_releases_a_card_hold_from_an_abandoned_checkout(db, localstripe, stripe_v1):
    """3-D Secure passed, then the customer closed the window: no order, but a hold on the card."""
    held = payments.authorise_payment(
        order_number="300001",
        amount=payments.Decimal("20.00"),
        currency="USD",
        payment_method="test-card:visa",
        actor=None,
    )
    recent = payments.authorise_payment(
        order_number="300002",
        amount=payments.Decimal("20.00"),
        currency="USD",
        payment_method="test-card:visa",
        actor=None,
    )
    PaymentAuthorisation.objects.filter(pk=held.pk).update(created_at=timezone.now() - timedelta(hours=2))

    tasks.void_expiring_authorisations.delay().get()

    held.refresh_from_db()
    recent.refresh_from_db()
    assert held.state == State.VOIDED and "abandoned" in held.void_reason
    assert stripe_v1.payment_intents.retrieve(held.intent_id).status == "canceled"
    assert recent.state == State.AUTHORISED
