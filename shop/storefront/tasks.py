"""Background work of the storefront. Tasks take ids, load, and call a service."""
from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.contrib.sites.models import Site
from django.urls import reverse
from oscar.core.loading import get_class, get_model

from infra.notifications import send_once

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")

RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(
    name="shop.pharmacy.tasks.send_order_placed_email",  # the name pending outbox rows hold
    acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600,
    max_retries=10,
)
def send_order_placed_email(order_id: int) -> bool:
    """The order confirmation e-mail; sent once even if the task runs twice."""
    order = Order.objects.select_related("user").get(pk=order_id)

    def send() -> None:
        context = {
            "user": order.user,
            "order": order,
            "lines": order.lines.all(),
            "site": Site.objects.get_current(),
            "status_path": reverse("customer:order", kwargs={"order_number": order.number}),
        }
        OrderDispatcher(logger=logger).send_order_placed_email_for_user(order, context)

    return send_once(f"order-placed:{order.pk}", send)
