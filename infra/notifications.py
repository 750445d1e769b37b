"""Sending a customer notification exactly once."""

from __future__ import annotations

from collections.abc import Callable

from django.db import IntegrityError, transaction

from .models import SentNotification


def send_once(key: str, send: Callable[[], None]) -> bool:
    """Run ``send`` unless a notification with ``key`` was already sent.

    The key is claimed and the message sent inside one transaction: if sending
    fails, the claim is rolled back and a retry sends it. Returns True if sent now.
    """
    try:
        with transaction.atomic():
            _, created = SentNotification.objects.get_or_create(key=key)
            if not created:
                return False
            send()
            return True
    except IntegrityError:
        # Another worker claimed the same key at the same moment.
        return False
