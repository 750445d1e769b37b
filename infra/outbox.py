"""A transactional outbox for Celery tasks: nothing is lost when the broker is down.

``enqueue(task_name, *args)`` writes an ``OutboxMessage`` row in the caller's
transaction, so the task exists exactly when the business change that caused
it is committed. After the commit it is handed to the broker at once; if the
broker cannot be reached (Redis down, network cut) the row stays pending and
``relay_pending`` — a Celery beat job every minute, and ``manage.py
relay_outbox`` — sends it when the broker is back. A message may therefore be
delivered more than once; every task it carries must be idempotent (they are:
see ``infra.notifications.send_once``).
"""

from __future__ import annotations

import logging

from celery import current_app
from django.db import transaction
from django.utils import timezone

from .models import OutboxMessage

logger = logging.getLogger(__name__)


def enqueue(task_name: str, *args) -> OutboxMessage:
    """Record the task called ``task_name`` with ``args`` in the current transaction and send
    it after commit.

    Tasks are named, not imported: a service queues work without importing its tasks
    module (which imports the service), so services and tasks never import each other.
    """
    if not isinstance(task_name, str):
        raise TypeError("enqueue() takes the task's registered name, e.g. 'prescriptions.tasks.scan_prescription_file'")
    message = OutboxMessage.objects.create(task_name=task_name, args=list(args))
    message_id = message.pk
    transaction.on_commit(lambda: relay(message_id))
    return message


def _task(name: str):
    """The registered task ``name``; loads the apps' task modules first if this process
    (a web worker) has not imported them yet."""
    if name not in current_app.tasks:
        current_app.loader.import_default_modules()
    return current_app.tasks[name]


def relay(message_id: int) -> bool:
    """Hand one pending message to the broker; True if it went (or had gone)."""
    message = OutboxMessage.objects.filter(pk=message_id, sent_at__isnull=True).first()
    if message is None:
        return True
    try:
        # apply_async (not send_task) so that the demo's eager mode runs it in-process.
        _task(message.task_name).apply_async(args=message.args)
    except Exception as exc:  # the broker is unreachable or refused: keep it for later
        OutboxMessage.objects.filter(pk=message.pk).update(
            attempts=message.attempts + 1, last_error=f"{type(exc).__name__}: {exc}"[:500]
        )
        logger.warning("outbox: message %s (%s) not sent yet: %s", message.pk, message.task_name, exc)
        return False
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=timezone.now(), attempts=message.attempts + 1, last_error=""
    )
    return True


def relay_pending(*, limit: int = 500) -> int:
    """Send messages still pending (oldest first); returns how many went."""
    sent = 0
    ids = list(OutboxMessage.objects.filter(sent_at__isnull=True).order_by("pk").values_list("pk", flat=True)[:limit])
    for message_id in ids:
        if relay(message_id):
            sent += 1
        else:
            break  # the broker is still down; try again on the next run
    return sent
