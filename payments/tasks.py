"""Background payment work. Tasks take ids, call a service, and are safe to run twice.

The hourly authorisation-expiry job decides about orders, so it lives above
payments, in prescriptions/tasks.py (keeping its ``shop.payments.tasks.*``
names); it queues ``release_abandoned_authorisation`` and, once an order is
cancelled, ``send_authorisation_expired_email``.
"""

from __future__ import annotations

import smtplib

from celery import shared_task

from . import services
from .exceptions import PaymentGatewayUnavailable

MAIL_RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


# Task names are the ones they had under shop/payments/: the beat schedule and pending
# outbox rows hold them.
@shared_task(
    name="shop.payments.tasks.release_abandoned_authorisation",
    acks_late=True,
    autoretry_for=(PaymentGatewayUnavailable,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def release_abandoned_authorisation(authorisation_id: int) -> bool:
    """Cancel the card hold of a checkout that never became an order."""
    return services.release_abandoned_authorisation(authorisation_id=authorisation_id)


@shared_task(
    name="shop.payments.tasks.send_authorisation_expired_email",
    acks_late=True,
    autoretry_for=MAIL_RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_authorisation_expired_email(order_id: int) -> bool:
    """The "your order was cancelled, no money was taken" e-mail; sent once even if delivered twice."""
    return services.send_authorisation_expired_email(order_id=order_id)


@shared_task(
    name="payments.tasks.send_refund_email",
    acks_late=True,
    autoretry_for=MAIL_RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_refund_email(refund_id: int) -> bool:
    """The "we have refunded $X" e-mail; sent once even if delivered twice."""
    return services.send_refund_email(refund_id=refund_id)
