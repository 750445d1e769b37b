"""The customer's e-mails about a prescription, queued by task name.

Through the transactional outbox (``infra.outbox``): sent after commit, and
still sent if the broker was down at that moment. The tasks themselves live
in ``prescriptions.tasks``; naming them here keeps services and tasks from
importing each other.
"""

from __future__ import annotations

from infra.outbox import enqueue

from ..models import PrescriptionEvent


def email_customer_on_commit(event: PrescriptionEvent) -> None:
    """Tell the customer about a status change (one e-mail per event)."""
    enqueue("prescriptions.tasks.send_prescription_status_email", event.pk)


def email_file_removed_on_commit(file_id: int) -> None:
    """Tell the customer that a file of theirs was removed (the virus scan found something)."""
    enqueue("prescriptions.tasks.send_file_removed_email", file_id)
