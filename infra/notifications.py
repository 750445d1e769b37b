"""Sending a customer notification exactly once, in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .i18n import language_of_recipient
from .models import SentNotification


def send_once(key: str, send: Callable[[], None], *, user=None, email: str | None = None) -> bool:
    """Run ``send`` unless a notification with ``key`` was already sent.

    The key is claimed and the message sent inside one transaction: if sending
    fails, the claim is rolled back and a retry sends it. Returns True if sent now.

    ``send`` runs in the recipient's language (``infra.i18n``): the account ``user``, else the
    account of ``email``; the shop's default language for neither (staff, an unknown address).
    """
    try:
        with transaction.atomic():
            _, created = SentNotification.objects.get_or_create(key=key)
            if not created:
                return False
            with language_of_recipient(user=user, email=email):
                send()
            return True
    except IntegrityError:
        # Another worker claimed the same key at the same moment.
        return False
