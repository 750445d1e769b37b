"""How a verified prescription comes to an end: its last fill uses it up, or
its last fill date passes and it expires."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F

from ..models import Prescription
from ..models import PrescriptionStatus as S
from .exceptions import TransitionNotAllowed
from .status import PHARMACY, SYSTEM, User, actor_role, transition_prescription


@transaction.atomic
def record_fill(*, prescription: Prescription, actor: User | None) -> Prescription:
    """One fill of a verified prescription was dispensed; the last one uses it up."""
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if locked.status != S.VERIFIED:
        raise TransitionNotAllowed(f"Prescription {locked.reference} is not verified, so it cannot be filled.")
    if actor_role(actor=actor, prescription=locked) not in {PHARMACY, SYSTEM}:
        raise TransitionNotAllowed("Only pharmacy staff record a fill.")
    if locked.fills_remaining < 1:
        raise TransitionNotAllowed(f"Prescription {locked.reference} has no fills left.")
    Prescription.objects.filter(pk=locked.pk).update(fills_used=F("fills_used") + 1)
    locked.refresh_from_db(fields=["fills_used"])
    if locked.fills_remaining == 0:
        transition_prescription(
            prescription=locked,
            to_status=S.USED_UP,
            actor=actor,
            reason_code="all_fills_used",
        )
    prescription.refresh_from_db()
    return prescription


def expire_prescriptions(*, today: datetime.date) -> int:
    """Verified prescriptions past their last fill date become expired (system actor).

    One transaction per prescription, so one failure does not hold up the rest.
    """
    due = Prescription.objects.filter(status=S.VERIFIED, expires_on__lt=today).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        prescription = Prescription.objects.get(pk=pk)
        try:
            transition_prescription(
                prescription=prescription,
                to_status=S.EXPIRED,
                actor=None,
                reason_code="expired",
                reason=f"Last fill date {prescription.expires_on:%Y-%m-%d} has passed.",
            )
            count += 1
        except TransitionNotAllowed:  # changed meanwhile
            continue
    return count
