"""Customer e-mails of the dispense step (thin, idempotent, retried)."""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from oscar.core.loading import get_model

from infra.notifications import send_once
from prescriptions.orders import LineStatus
from prescriptions.pharmacy import pharmacy_details
from prescriptions.wording import customer_wording

Order = get_model("order", "Order")


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=10,
)
def send_order_dispensed_email(order_id: int) -> bool:
    order = Order.objects.select_related("user").get(pk=order_id)
    if not order.user or not order.user.email:
        return False

    def send() -> None:
        lines = list(order.lines.all())
        context = {
            "order": order,
            "pharmacy": pharmacy_details(),
            "sent": [line for line in lines if line.status != LineStatus.CANCELLED],
            "not_sent": [line for line in lines if line.status == LineStatus.CANCELLED],
        }
        send_mail(
            subject=_("Your order %(number)s has been dispensed") % {"number": order.number},
            message=render_to_string("dispensing/email/dispensed.txt", context),
            from_email=None,
            recipient_list=[order.user.email],
        )

    return send_once(f"order-dispensed:{order.pk}", send, user=order.user)


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
    retry_backoff=True,
    max_retries=10,
)
def send_order_not_dispensed_email(order_id: int, reasons: list) -> bool:
    """The order could never be dispensed (e.g. the iPLEDGE window passed) and was cancelled:
    tell the customer why, in the words meant for them, and that no money was taken."""
    order = Order.objects.select_related("user").get(pk=order_id)
    email = order.email
    if not email:
        return False

    def send() -> None:
        context = {
            "order": order,
            "pharmacy": pharmacy_details(),
            "reasons": [customer_wording(reason) for reason in reasons],
        }
        send_mail(
            subject=_("Your order %(number)s could not be dispensed and has been cancelled") % {"number": order.number},
            message=render_to_string("dispensing/email/not_dispensed.txt", context),
            from_email=None,
            recipient_list=[email],
        )

    return send_once(f"order-not-dispensed:{order.pk}", send, user=order.user, email=email)


@shared_task(acks_late=True)
def flag_rmas_for_reversal() -> int:
    """Daily: RMAs that were obtained but can no longer be dispensed (RULES.md 1.9)."""
    from .services import flag_rmas_for_reversal as flag

    return flag()
