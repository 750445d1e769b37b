"""Text messages through a pluggable sender (like Django's e-mail backends).

``RXSHOP_SMS_BACKEND`` names a class with ``send(to: str, body: str) -> None``:
``infra.sms.ConsoleSmsBackend`` (the demo's default: prints the message),
``infra.sms.LocmemSmsBackend`` (tests: keeps them in ``infra.sms.outbox``), or a
provider's adapter (Twilio and the like) written for production. Messages are sent
by workers, never inside a request, and name no medicine (HIPAA minimum necessary).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class TextMessage:
    to: str
    body: str


#: What ``LocmemSmsBackend`` sent (tests empty it).
outbox: list[TextMessage] = []


class ConsoleSmsBackend:
    def send(self, to: str, body: str) -> None:
        sys.stdout.write(f"SMS to {to}: {body}\n")
        sys.stdout.flush()


class LocmemSmsBackend:
    def send(self, to: str, body: str) -> None:
        outbox.append(TextMessage(to, body))


def send_sms(to: str, body: str) -> None:
    backend = import_string(getattr(settings, "RXSHOP_SMS_BACKEND", "infra.sms.ConsoleSmsBackend"))
    backend().send(to, body)
