"""Customer e-mails of the dispense step (thin, idempotent, retried)."""
from __future__ import annotations

import smtplib

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from oscar.core.loading import get_model

from shop.pharmacy.notifications import send_once

Order = get_model("order", "Order")


@shared_task(acks_late=True, autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError, OSError),
             retry_backoff=True, max_retries=10)
def send_order_dispensed_email(order_id: int) -> bool:
    order = Order.objects.select_related("user").get(pk=order_id)
    if not order.user or not order.user.email:
        return False

    def send() -> None:
        context = {"order": order, "pharmacy": settings.RXSHOP_PHARMACY,
                   "lines": order.lines.all()}
        send_mail(
            subject=f"Your order {order.number} has been dispensed",
            message=render_to_string("dispensing/email/dispensed.txt", context),
            from_email=None, recipient_list=[order.user.email],
        )

    return send_once(f"order-dispensed:{order.pk}", send)


@shared_task(acks_late=True)
def flag_rmas_for_reversal() -> int:
    """Daily: RMAs that were obtained but can no longer be dispensed (RULES.md 1.9)."""
    from .services import flag_rmas_for_reversal as flag

    return flag()
