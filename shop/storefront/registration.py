"""Opening an account without telling a stranger whether an address already has one.

A registration form that answers "a user with that e-mail address already
exists" tells anyone that a person is a customer of an online pharmacy, which
is itself health information (HIPAA Privacy Rule, 45 CFR 164.514: a
patient-provider relationship identifies). So registration answers the same
page either way and the address's owner hears the rest by e-mail: a new
address gets a link that activates its account; an address that already has
one gets "someone tried to register with your address". Both paths do the same
costly work (one password hash, one queued e-mail, sent by a worker), so the
answer's timing does not tell either.
"""

from __future__ import annotations

import secrets

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from oscar.apps.customer.utils import normalise_email
from oscar.core.compat import existing_user_fields
from oscar.core.loading import get_class

from infra.i18n import remember_language
from infra.outbox import enqueue

ACTIVATION_TASK = "shop.storefront.tasks.send_account_activation_email"
ATTEMPT_TASK = "shop.storefront.tasks.send_registration_attempt_email"
generate_username = get_class("customer.forms", "generate_username")


@transaction.atomic
def register_customer(*, email: str, password: str, language: str | None = None) -> None:
    """Open an inactive account for a new ``email`` and queue its activation link; for an
    address that has an account, queue a note to its owner instead. Returns nothing: the
    caller must not be able to tell the two apart. ``language``: the one the customer
    registered in, remembered for the new account (its e-mails, its sign-ins)."""
    User = get_user_model()
    email = normalise_email(email)
    hashed = make_password(password)  # always: hashing is what a timing attack would see
    nonce = secrets.token_hex(8)  # each attempt is its own e-mail (send_once keys on it)
    existing = User._default_manager.filter(email__iexact=email).order_by("pk").first()
    if existing is not None:
        enqueue(ATTEMPT_TASK, existing.pk, nonce)
        return
    user = User(email=email, password=hashed, is_active=False)
    if "username" in existing_user_fields(["username"]):
        user.username = generate_username()
    user.save()
    if language:
        remember_language(user, language)
    enqueue(ACTIVATION_TASK, user.pk, nonce)


def activation_path(user) -> str:
    """The path of ``user``'s activation link. The token changes once the account is
    signed in (Django's token covers last_login), so a link works once."""
    return reverse(
        "pharmacy:activate-account",
        kwargs={
            "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
            "token": default_token_generator.make_token(user),
        },
    )


def user_for_activation(*, uidb64: str, token: str):
    """The inactive account the link is for, or None if the link is wrong, used or stale."""
    try:
        pk = int(urlsafe_base64_decode(uidb64).decode())
    except (ValueError, TypeError, UnicodeDecodeError):
        return None
    user = get_user_model()._default_manager.filter(pk=pk, is_active=False).first()
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


@transaction.atomic
def activate_account(*, user) -> None:
    user.is_active = True
    user.save(update_fields=["is_active"])


PASSWORD_RESET_TASK = "shop.storefront.tasks.send_password_reset_email"


@transaction.atomic
def request_password_reset(*, email: str) -> None:
    """Queue the reset e-mail for whichever accounts ``email`` has (maybe none): the
    request does the same work either way, the worker looks the address up."""
    enqueue(PASSWORD_RESET_TASK, normalise_email(email), secrets.token_hex(8))
