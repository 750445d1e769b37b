"""E-mails of oscar's account pages, sent by a worker with oscar's own templates
(communication event types EMAIL_CHANGED, PASSWORD_CHANGED, PRODUCT_ALERT_CONFIRMATION,
PRODUCT_ALERT). The views only queue them (shop/apps/customer/views.py,
shop/apps/customer/alerts/views.py): a slow mail server delays mail, never a page.
Tasks take ids and are safe to run twice (infra.notifications.send_once)."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.db import transaction
from oscar.apps.customer.utils import get_password_reset_url
from oscar.core.loading import get_class, get_model

from infra.notifications import send_once

logger = logging.getLogger(__name__)
RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)
RETRY = dict(acks_late=True, autoretry_for=RETRYABLE, retry_backoff=True, retry_backoff_max=600, max_retries=10)

ProductAlert = get_model("customer", "ProductAlert")
Product = get_model("catalogue", "Product")

EMAIL_CHANGED_TASK = "shop.apps.customer.tasks.send_email_changed_email"
PASSWORD_CHANGED_TASK = "shop.apps.customer.tasks.send_password_changed_email"
ALERT_CONFIRMATION_TASK = "shop.apps.customer.tasks.send_product_alert_confirmation_email"
PRODUCT_ALERTS_TASK = "shop.apps.customer.tasks.send_product_alerts"


def _customer_dispatcher():
    return get_class("customer.utils", "CustomerDispatcher")()


@shared_task(name=EMAIL_CHANGED_TASK, **RETRY)
def send_email_changed_email(user_id: int, old_email: str, new_email: str, nonce: str) -> bool:
    """Tell the old address that the account's address changed (with a reset link, in
    case it was not its owner); once per change."""
    user = get_user_model()._default_manager.get(pk=user_id)

    def send() -> None:
        old_user = get_user_model()._default_manager.get(pk=user_id)
        old_user.email = old_email  # oscar writes to the address the account had (not saved)
        context = {
            "user": user,
            "new_email": new_email,
            "reset_url": get_password_reset_url(user),
            "site": Site.objects.get_current(),
        }
        _customer_dispatcher().send_email_changed_email_for_user(old_user, context)

    return send_once(f"email-changed:{user.pk}:{nonce}", send, user=user)


@shared_task(name=PASSWORD_CHANGED_TASK, **RETRY)
def send_password_changed_email(user_id: int, nonce: str) -> bool:
    """Tell the account's owner the password changed; once per change."""
    user = get_user_model()._default_manager.get(pk=user_id)

    def send() -> None:
        context = {"user": user, "reset_url": get_password_reset_url(user), "site": Site.objects.get_current()}
        _customer_dispatcher().send_password_changed_email_for_user(user, context)

    return send_once(f"password-changed:{user.pk}:{nonce}", send, user=user)


@shared_task(name=ALERT_CONFIRMATION_TASK, **RETRY)
def send_product_alert_confirmation_email(alert_id: int) -> bool:
    """The link an anonymous visitor follows to confirm a stock alert; once per alert,
    and not at all once the alert was confirmed or cancelled."""
    alert = ProductAlert.objects.select_related("product").filter(pk=alert_id).first()
    if alert is None or alert.status != ProductAlert.UNCONFIRMED:
        return False

    def send() -> None:
        dispatcher = get_class("customer.alerts.utils", "AlertsDispatcher")()
        context = dispatcher.get_extra_context(alert)
        context["site"] = Site.objects.get_current()
        dispatcher.send_product_alert_confirmation_email_for_user(alert, context)

    return send_once(f"product-alert-confirmation:{alert.pk}", send, user=alert.user, email=alert.email)


@shared_task(name=PRODUCT_ALERTS_TASK, **RETRY)
def send_product_alerts(product_id: int) -> int:
    """Oscar's "back in stock" e-mails for ``product``; returns how many alerts it closed.

    Oscar closes each alert it sends; the active alerts are locked and the whole run is one
    transaction, so a second run (or a concurrent one) finds them closed and sends nothing,
    and a run that fails closes none and the retry sends them."""
    product = Product.objects.filter(pk=product_id).first()
    if product is None:
        return 0
    alerts = ProductAlert.objects.filter(product_id__in=(product.id, product.parent_id), status=ProductAlert.ACTIVE)
    with transaction.atomic():
        ids = list(alerts.select_for_update().values_list("pk", flat=True))
        if not ids:
            return 0
        get_class("customer.alerts.utils", "AlertsDispatcher")().send_product_alert_email_for_user(product)
        return ProductAlert.objects.filter(pk__in=ids).exclude(status=ProductAlert.ACTIVE).count()


EMAIL_PREVIEW_TASK = "shop.apps.customer.tasks.send_email_preview"


@shared_task(name=EMAIL_PREVIEW_TASK, **RETRY)
def send_email_preview(email: str, rendered: dict, nonce: str) -> bool:
    """A preview of an edited e-mail template, for the staff member editing it (the
    dashboard's "Send preview"); once per click. ``rendered`` holds subject, body and html."""

    def send() -> None:
        Dispatcher = get_class("communication.utils", "Dispatcher")
        Dispatcher(logger=logger).send_email_messages(email, {"sms": "", **rendered})

    return send_once(f"email-preview:{nonce}", send)
