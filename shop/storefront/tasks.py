"""Background work of the storefront. Tasks take ids, load, and call a service."""

from __future__ import annotations

import logging
import smtplib

from celery import shared_task
from django.contrib.sites.models import Site
from django.urls import reverse
from django.utils.translation import gettext as _
from oscar.core.loading import get_class, get_model

from infra.notifications import send_once
from prescriptions.orders import is_prescription_line
from prescriptions.pharmacy import pharmacy_details

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
OrderDispatcher = get_class("order.utils", "OrderDispatcher")

RETRYABLE = (smtplib.SMTPException, ConnectionError, TimeoutError, OSError)


@shared_task(
    name="shop.pharmacy.tasks.send_order_placed_email",  # the name pending outbox rows hold
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_order_placed_email(order_id: int) -> bool:
    """The order confirmation e-mail; sent once even if the task runs twice."""
    order = Order.objects.select_related("user").get(pk=order_id)

    def send() -> None:
        lines = list(order.lines.all())
        context = {
            "user": order.user,
            "order": order,
            "lines": lines,
            # The shop's own confirmation (shop/templates/oscar/communication/emails/) says
            # what happens next for each kind of item; product titles only, no medical detail.
            "rx_lines": [line for line in lines if is_prescription_line(line)],
            "otc_lines": [line for line in lines if not is_prescription_line(line)],
            "site": Site.objects.get_current(),
            "status_path": reverse("customer:order", kwargs={"order_number": order.number}),
        }
        OrderDispatcher(logger=logger).send_order_placed_email_for_user(order, context)

    return send_once(f"order-placed:{order.pk}", send, user=order.user, email=order.email)


# --- Registration (shop/storefront/registration.py) --------------------------------------


def _site_url(path: str) -> str:
    from django.conf import settings

    scheme = "http" if settings.DEBUG else "https"
    return f"{scheme}://{Site.objects.get_current().domain}{path}"


def _mail(user, subject: str, body: str) -> None:
    from django.conf import settings
    from django.core.mail import send_mail

    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


@shared_task(
    name="shop.storefront.tasks.send_account_activation_email",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_account_activation_email(user_id: int, nonce: str) -> bool:
    """The link that opens a new account; sent once per registration."""
    from django.contrib.auth import get_user_model

    from .registration import activation_path

    user = get_user_model()._default_manager.get(pk=user_id)

    def send() -> None:
        _mail(
            user,
            _("Activate your %(pharmacy)s account") % {"pharmacy": pharmacy_details()["name"]},
            _(
                "Thank you for registering with %(pharmacy)s.\n\n"
                "Open this link to activate your account:\n%(link)s\n\n"
                "If you did not register, ignore this e-mail: no account is opened without the link.\n"
            )
            % {"link": _site_url(activation_path(user)), "pharmacy": pharmacy_details()["name"]},
        )

    return send_once(f"account-activation:{user.pk}:{nonce}", send, user=user)


@shared_task(
    name="shop.storefront.tasks.send_registration_attempt_email",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_registration_attempt_email(user_id: int, nonce: str) -> bool:
    """Tell an account's owner that someone tried to register with their address (the
    registration page itself says nothing). An account never activated gets its link again."""
    from django.contrib.auth import get_user_model

    user = get_user_model()._default_manager.get(pk=user_id)
    if not user.is_active and user.last_login is None:
        return send_account_activation_email(user_id, nonce)

    def send() -> None:
        _mail(
            user,
            _("Someone tried to register with your e-mail address"),
            _(
                "Someone tried to register a new %(pharmacy)s account with your e-mail address, "
                "which already has an account with us.\n\n"
                "If it was you, sign in: %(sign_in)s\n"
                "Forgotten your password? Reset it: %(reset)s\n\n"
                "If it was not you, you need do nothing: your account has not changed.\n"
            )
            % {
                "sign_in": _site_url(reverse("customer:login")),
                "reset": _site_url(reverse("password-reset")),
                "pharmacy": pharmacy_details()["name"],
            },
        )

    return send_once(f"registration-attempt:{user.pk}:{nonce}", send, user=user)


@shared_task(
    name="shop.storefront.tasks.send_password_reset_email",
    acks_late=True,
    autoretry_for=RETRYABLE,
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=10,
)
def send_password_reset_email(email: str, nonce: str) -> int:
    """Oscar's reset e-mail to each active account of ``email`` (none if it has none); once per request."""
    from oscar.apps.customer.forms import PasswordResetForm
    from oscar.apps.customer.utils import get_password_reset_url

    CustomerDispatcher = get_class("customer.utils", "CustomerDispatcher")
    sent = 0
    for user in PasswordResetForm().get_users(email):

        def send(user=user) -> None:
            context = {"user": user, "site": Site.objects.get_current(), "reset_url": get_password_reset_url(user)}
            CustomerDispatcher().send_password_reset_email_for_user(user, context)

        sent += send_once(f"password-reset:{user.pk}:{nonce}", send, user=user)
    return sent
