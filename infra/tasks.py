"""Background work of the infrastructure: the outbox relay."""

from __future__ import annotations

from celery import shared_task

from .outbox import relay_pending


# The name it had before the module moved: the beat schedule and pending outbox rows hold it.
@shared_task(name="shop.pharmacy.tasks.relay_outbox", acks_late=True)
def relay_outbox() -> int:
    """Beat job: send the outbox messages the broker could not take at the time."""
    return relay_pending()
