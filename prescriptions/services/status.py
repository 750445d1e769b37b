"""The one door for a prescription's status (STYLE.md 4).

``transition_prescription`` checks ``TRANSITIONS``, locks the row, writes one
``PrescriptionEvent`` and enqueues the customer's e-mail. The review
workspace's actions (claim, verify, reject, ask the customer) are thin
wrappers around it. ``create_submitted_prescription`` is the door's entrance:
a new prescription starts "submitted", with its first event;
``create_transferred_prescription`` the other one, for a prescription a
pharmacist took over from another pharmacy and verified on the call. This is
the only module that opens the model's status guard (``_open_status_door``).
"""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from ..models import (
    Prescription,
    PrescriptionEvent,
    ScanStatus,
    _open_status_door,
)
from ..models import (
    PrescriptionStatus as S,
)
from .exceptions import TransitionNotAllowed
from .notifications import email_customer_on_commit

User = AbstractBaseUser  # the acting user; None where the system acts

Role = PrescriptionEvent.ActorRole
CUSTOMER, PHARMACY, SYSTEM = Role.CUSTOMER, Role.PHARMACY, Role.SYSTEM

# (from, to) -> who may make that move. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUBMITTED, S.IN_REVIEW): frozenset({PHARMACY}),  # a pharmacist claims it
    (S.IN_REVIEW, S.SUBMITTED): frozenset({PHARMACY}),  # released back to the queue
    (S.IN_REVIEW, S.VERIFIED): frozenset({PHARMACY}),
    (S.IN_REVIEW, S.REJECTED): frozenset({PHARMACY}),
    (S.IN_REVIEW, S.INFO_REQUESTED): frozenset({PHARMACY}),
    (S.INFO_REQUESTED, S.SUBMITTED): frozenset({CUSTOMER}),  # the customer answered
    (S.INFO_REQUESTED, S.REJECTED): frozenset({PHARMACY, SYSTEM}),  # e.g. no answer in time
    (S.VERIFIED, S.EXPIRED): frozenset({PHARMACY, SYSTEM}),
    (S.VERIFIED, S.USED_UP): frozenset({PHARMACY, SYSTEM}),
}
# The customer must be told why (a rejection) or what we need (a question).
MESSAGE_REQUIRED = frozenset({S.REJECTED, S.INFO_REQUESTED})
REVIEW_PERMISSION = "prescriptions.review_prescription"


def actor_role(*, actor: User | None, prescription: Prescription) -> str | None:
    """How ``actor`` stands towards ``prescription``: the customer who owns it,
    pharmacy staff, the system (no actor), or nobody (None).

    A member of staff is only ever the customer for their own prescriptions, so
    nobody verifies their own prescription.
    """
    if actor is None:
        return SYSTEM
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.pk == prescription.customer_id:
        return CUSTOMER
    if actor.has_perm(REVIEW_PERMISSION):
        return PHARMACY
    return None


@transaction.atomic
def transition_prescription(
    *,
    prescription: Prescription,
    to_status: str,
    actor: User | None,
    reason: str = "",
    reason_code: str = "",
    message_to_customer: str = "",
    message_from_customer: str = "",
) -> PrescriptionEvent:
    """Move ``prescription`` to ``to_status``; the only code that changes a status.

    ``reason``/``reason_code`` are for the pharmacy's records, ``message_to_customer``
    is shown to the customer (required for a rejection or a question),
    ``message_from_customer`` is the customer's answer. Raises ``TransitionNotAllowed``.
    Refreshes the ``prescription`` instance passed in.
    """
    try:
        target = S(to_status)
    except ValueError:
        raise TransitionNotAllowed(f"“{to_status}” is not a prescription status.") from None
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    current = S(locked.status)
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionNotAllowed(
            f"Prescription {locked.reference} cannot go from “{current.label}” to “{target.label}”."
        )
    role = actor_role(actor=actor, prescription=locked)
    if role not in allowed:
        raise TransitionNotAllowed(
            f"You may not move prescription {locked.reference} from “{current.label}” to “{target.label}”."
        )
    message_to_customer = message_to_customer.strip()
    if target in MESSAGE_REQUIRED and not message_to_customer:
        raise TransitionNotAllowed(f"Moving a prescription to “{target.label}” needs a message to the customer.")
    if target == S.VERIFIED:
        _check_files_ready(locked)

    now = timezone.now()
    with _open_status_door():
        locked.status = target
        locked.status_changed_at = now
        locked.message_to_customer = message_to_customer
        locked.save(update_fields=["status", "status_changed_at", "message_to_customer", "updated_at"])
    event = PrescriptionEvent.objects.create(
        prescription=locked,
        actor=actor,
        actor_role=role,
        actor_name=name_of(actor),
        from_status=current,
        to_status=target,
        reason_code=reason_code,
        reason=reason.strip(),
        message_to_customer=message_to_customer,
        message_from_customer=message_from_customer.strip(),
        created_at=now,
    )
    prescription.refresh_from_db(fields=["status", "status_changed_at", "message_to_customer", "updated_at"])
    email_customer_on_commit(event)
    return event


def create_submitted_prescription(*, customer: User, **fields) -> tuple[Prescription, PrescriptionEvent]:
    """A new prescription, "submitted" by ``customer``, and its first event
    (from nothing to submitted). The caller runs the transaction, stores the
    files and then tells the customer (``email_customer_on_commit``)."""
    with _open_status_door():
        prescription = Prescription.objects.create(customer=customer, status=S.SUBMITTED, **fields)
    event = PrescriptionEvent.objects.create(
        prescription=prescription,
        actor=customer,
        actor_role=CUSTOMER,
        actor_name=name_of(customer),
        from_status="",
        to_status=S.SUBMITTED,
        reason_code="uploaded",
        created_at=prescription.status_changed_at,
    )
    return prescription, event


def create_transferred_prescription(
    *, customer: User, pharmacist: User, reason: str, **fields
) -> tuple[Prescription, PrescriptionEvent]:
    """A prescription transferred in from another pharmacy (``prescriptions.transfers``): the
    pharmacist took it over on the call, transcribed it and ran the rules on it, so it starts
    "verified", with its first event (from nothing to verified, by that pharmacist, ``reason``
    saying from where). It has no file: the original stays with the transferring pharmacy,
    whose records the transfer keeps (21 CFR 1306.25(b)). The caller runs the transaction,
    records the transcription and the decision, and then tells the customer
    (``email_customer_on_commit``). Nobody takes over their own prescription."""
    if (
        not getattr(pharmacist, "is_authenticated", False)
        or not pharmacist.is_active
        or pharmacist.pk == customer.pk
        or not pharmacist.has_perm(REVIEW_PERMISSION)
    ):
        raise TransitionNotAllowed("Only a pharmacist (not the patient's own account) can take over a prescription.")
    with _open_status_door():
        prescription = Prescription.objects.create(customer=customer, status=S.VERIFIED, **fields)
    event = PrescriptionEvent.objects.create(
        prescription=prescription,
        actor=pharmacist,
        actor_role=PHARMACY,
        actor_name=name_of(pharmacist),
        from_status="",
        to_status=S.VERIFIED,
        reason_code="transferred_in",
        reason=reason.strip(),
        created_at=prescription.status_changed_at,
    )
    return prescription, event


def _check_files_ready(prescription: Prescription) -> None:
    files = list(prescription.files.all())
    if any(f.scan_status == ScanStatus.PENDING for f in files):
        raise TransitionNotAllowed(
            f"Prescription {prescription.reference} has a file still waiting for its virus scan."
        )
    if not any(f.is_servable for f in files):
        raise TransitionNotAllowed(f"Prescription {prescription.reference} has no readable file.")


def name_of(actor: User | None) -> str:
    """The actor's name as the audit records keep it ("system" for none)."""
    if actor is None:
        return "system"
    return (actor.get_full_name() or actor.get_username())[:255]
