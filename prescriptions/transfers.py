"""Transfer in: a patient asks us to move a prescription from another pharmacy.

The request is a queue item (``open_transfer_requests``) a pharmacist works: they call
the other pharmacy and either record the transfer (both sides' records, 21 CFR
1306.25(b)) or record why it could not be done. Federal law on controlled substances
is judged by ``compliance.core.transfers`` (pure, with its sources): a transfer it
blocks cannot be recorded as done.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from compliance.core.transfers import TransferFacts, transfer_findings

from .exceptions import TransferRefused
from .models import Patient, TransferRequest

DECIDE_PERMISSION = "review.decide_prescription"
State = TransferRequest.State
# The request form's fields as the customer's "Please give the …" names them.
_FIELD_NAMES = {
    "pharmacy_name": gettext_lazy("pharmacy name"),
    "pharmacy_phone": gettext_lazy("pharmacy phone"),
    "prescription_number": gettext_lazy("prescription number"),
    "drug": gettext_lazy("drug"),
}


def _name(user) -> str:
    return (user.get_full_name() or user.get_username())[:255]


@transaction.atomic
def request_transfer(
    *, customer, patient: Patient, pharmacy_name: str, pharmacy_phone: str, prescription_number: str, drug: str
) -> TransferRequest:
    """The customer's request: it waits in the pharmacy's queue until a pharmacist works it."""
    if patient.account_id != customer.pk:
        raise TransferRefused(_("That patient is not on your account."))
    fields = {
        "pharmacy_name": pharmacy_name.strip(),
        "pharmacy_phone": pharmacy_phone.strip(),
        "prescription_number": prescription_number.strip(),
        "drug": drug.strip(),
    }
    missing = [str(_FIELD_NAMES[name]) for name, value in fields.items() if not value]
    if missing:
        raise TransferRefused(_("Please give the %(fields)s.") % {"fields": ", ".join(missing)})
    return TransferRequest.objects.create(customer=customer, patient=patient, **fields)


def transfer_requests_for_customer(customer) -> QuerySet[TransferRequest]:
    return TransferRequest.objects.filter(customer=customer).select_related("patient").order_by("-requested_at", "-id")


def open_transfer_requests() -> QuerySet[TransferRequest]:
    """The pharmacy's queue: requests not yet worked, oldest first."""
    return (
        TransferRequest.objects.filter(state=State.REQUESTED)
        .select_related("patient", "customer")
        .order_by("requested_at", "id")
    )


@dataclass(frozen=True)
class TransferDetails:
    """What the pharmacist recorded on the call with the transferring pharmacist."""

    transferring_pharmacist: str
    transferring_pharmacy_address: str
    transferring_pharmacy_dea: str
    dea_schedule: int | None
    electronic: bool
    filled: bool
    transferred_before: bool
    date_written: datetime.date
    refills_authorized: int
    fills_remaining: int
    first_filled_on: datetime.date | None = None
    note: str = ""


def _locked(request: TransferRequest) -> TransferRequest:
    locked = TransferRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != State.REQUESTED:
        raise TransferRefused(f"Transfer request {locked.reference} was already worked.")
    return locked


def record_transfer(*, request: TransferRequest, pharmacist, details: TransferDetails, now=None) -> TransferRequest:
    """The transfer was agreed on the phone: record it, unless federal law forbids it."""
    if not pharmacist.has_perm(DECIDE_PERMISSION):
        raise TransferRefused("Only a pharmacist can accept a transfer.")
    now = now or timezone.now()
    if not details.transferring_pharmacist.strip():
        raise TransferRefused("Record the name of the transferring pharmacist (21 CFR 1306.25(b)).")
    if details.dea_schedule is not None and not details.transferring_pharmacy_dea.strip():
        raise TransferRefused("Record the transferring pharmacy's DEA registration (21 CFR 1306.25(b)).")
    if details.filled and details.first_filled_on is None:
        raise TransferRefused("Record the date of the original dispensing (21 CFR 1306.25(b)).")
    findings = transfer_findings(
        TransferFacts(
            dea_schedule=details.dea_schedule,
            electronic=details.electronic,
            filled=details.filled,
            transferred_before=details.transferred_before,
            fills_remaining=details.fills_remaining,
            on=timezone.localtime(now).date(),
        )
    )
    if findings:
        raise TransferRefused(" ".join(f"{f.pharmacist_message} ({f.source})" for f in findings))
    with transaction.atomic():
        locked = _locked(request)
        locked.state = State.TRANSFERRED
        locked.worked_by = pharmacist
        locked.worked_by_name = _name(pharmacist)
        locked.worked_at = now
        locked.transferring_pharmacist = details.transferring_pharmacist.strip()
        locked.transferring_pharmacy_address = details.transferring_pharmacy_address.strip()
        locked.transferring_pharmacy_dea = details.transferring_pharmacy_dea.strip()
        locked.dea_schedule = details.dea_schedule
        locked.electronic = details.electronic
        locked.date_written = details.date_written
        locked.refills_authorized = details.refills_authorized
        locked.fills_remaining = details.fills_remaining
        locked.first_filled_on = details.first_filled_on
        locked.outcome_note = details.note.strip()
        locked.save()
    return locked


def refuse_transfer(*, request: TransferRequest, pharmacist, reason: str, now=None) -> TransferRequest:
    """The transfer could not be done (the other pharmacy refused, the law forbids it...)."""
    if not pharmacist.has_perm(DECIDE_PERMISSION):
        raise TransferRefused("Only a pharmacist can close a transfer request.")
    if not reason.strip():
        raise TransferRefused("Say why the transfer could not be done; the patient reads it.")
    with transaction.atomic():
        locked = _locked(request)
        locked.state = State.REFUSED
        locked.worked_by = pharmacist
        locked.worked_by_name = _name(pharmacist)
        locked.worked_at = now or timezone.now()
        locked.outcome_note = reason.strip()
        locked.save()
    return locked
