"""Transfer in: a patient asks us to move a prescription from another pharmacy.

The request is a queue item (``open_transfer_requests``) a pharmacist works: they call
the other pharmacy and either record the transfer (both sides' records, 21 CFR
1306.25(b)) or record why it could not be done. Federal law on controlled substances
(and a programme's "no refills") is judged by ``compliance.core.transfers`` (pure, with
its sources): a transfer it blocks cannot be recorded as done.

Recording the transfer also takes the prescription over: the pharmacist transcribes it on
the call (the product we sell for it, quantity, directions, days' supply, prescriber, the
original date written, refills and fills remaining) and
``review.services.verify_transferred_prescription`` runs the rules on it as at any
verification and creates it "verified" by that pharmacist, so the patient can order its
remaining fills here. If those rules block, nothing is recorded.
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
from compliance.services import compliance_config

from .drugs import drug_info
from .exceptions import PrescriptionsError, TransferBlocked, TransferRefused
from .models import Patient, TransferRequest
from .review import services as review

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


@dataclass(frozen=True, kw_only=True)
class TransferDetails:
    """What the pharmacist recorded on the call with the transferring pharmacist: that
    pharmacy's records (21 CFR 1306.25(b)) and the prescription as transcribed, for the
    product we sell for it. Its DEA schedule and programme are the product's."""

    transferring_pharmacist: str
    transferring_pharmacy_address: str
    transferring_pharmacy_dea: str
    electronic: bool
    filled: bool
    transferred_before: bool
    date_written: datetime.date
    refills_authorized: int
    fills_remaining: int
    product: object  # catalogue.Product
    quantity: int
    days_supply: int
    directions: str
    prescriber_name: str
    prescriber_phone: str
    prescriber_address: str
    prescriber_npi: str
    prescriber_dea_number: str = ""
    first_filled_on: datetime.date | None = None
    last_filled_on: datetime.date | None = None  # None: the original dispensing was the last fill
    note: str = ""


def _locked(request: TransferRequest) -> TransferRequest:
    locked = TransferRequest.objects.select_for_update().get(pk=request.pk)
    if locked.state != State.REQUESTED:
        raise TransferRefused(f"Transfer request {locked.reference} was already worked.")
    return locked


def transferred_from(request: TransferRequest) -> str:
    """How the records name where a transferred prescription came from."""
    return f"{request.pharmacy_name} (their Rx #{request.prescription_number})"


def record_transfer(
    *,
    request: TransferRequest,
    pharmacist,
    details: TransferDetails,
    warning_overrides=None,
    ip_address: str | None = None,
    user_agent: str = "",
    now=None,
) -> TransferRequest:
    """The transfer was agreed on the phone: record it and take the prescription over (verified,
    with the fills transferred), unless federal law, the drug's programme or the rules at
    verification forbid it (``TransferRefused``; ``TransferBlocked`` with the findings, and
    the warnings that need a reason in ``warning_overrides``, rule id → reason)."""
    if not pharmacist.has_perm(DECIDE_PERMISSION):
        raise TransferRefused("Only a pharmacist can accept a transfer.")
    now = now or timezone.now()
    info = drug_info(details.product)
    if not details.transferring_pharmacist.strip():
        raise TransferRefused("Record the name of the transferring pharmacist (21 CFR 1306.25(b)).")
    if info.dea_schedule is not None and not details.transferring_pharmacy_dea.strip():
        raise TransferRefused("Record the transferring pharmacy's DEA registration (21 CFR 1306.25(b)).")
    if details.filled and details.first_filled_on is None:
        raise TransferRefused("Record the date of the original dispensing (21 CFR 1306.25(b)).")
    if details.filled and details.last_filled_on is not None:
        if details.last_filled_on < details.first_filled_on:
            raise TransferRefused("The last fill there cannot be before the original dispensing.")
        if details.last_filled_on > timezone.localtime(now).date():
            raise TransferRefused("The last fill there cannot be in the future.")
    findings = transfer_findings(
        TransferFacts(
            dea_schedule=info.dea_schedule,
            electronic=details.electronic,
            filled=details.filled,
            transferred_before=details.transferred_before,
            fills_remaining=details.fills_remaining,
            on=timezone.localtime(now).date(),
            programme=info.programme or None,
        ),
        compliance_config(),
    )
    if findings:
        raise TransferBlocked(findings=list(findings), blocks=list(findings), missing_overrides=[])
    with transaction.atomic():
        locked = _locked(request)
        try:
            decision = review.verify_transferred_prescription(
                transferred=review.TransferredPrescription(
                    patient=locked.patient,
                    product=details.product,
                    quantity=details.quantity,
                    days_supply=details.days_supply,
                    directions=details.directions,
                    prescriber_name=details.prescriber_name,
                    prescriber_phone=details.prescriber_phone,
                    prescriber_address=details.prescriber_address,
                    prescriber_npi=details.prescriber_npi,
                    prescriber_dea_number=details.prescriber_dea_number,
                    date_written=details.date_written,
                    refills_authorized=details.refills_authorized,
                    fills_remaining=details.fills_remaining,
                ),
                pharmacist=pharmacist,
                transferred_from=transferred_from(locked),
                warning_overrides=warning_overrides or {},
                note=details.note,
                ip_address=ip_address,
                user_agent=user_agent,
            )
        except TransferRefused:
            raise
        except PrescriptionsError as refused:  # the review's refusals (ReviewError, NotPermitted...)
            raise TransferRefused(str(refused)) from refused
        locked.prescription = decision.prescription
        locked.state = State.TRANSFERRED
        locked.worked_by = pharmacist
        locked.worked_by_name = _name(pharmacist)
        locked.worked_at = now
        locked.transferring_pharmacist = details.transferring_pharmacist.strip()
        locked.transferring_pharmacy_address = details.transferring_pharmacy_address.strip()
        locked.transferring_pharmacy_dea = details.transferring_pharmacy_dea.strip()
        locked.dea_schedule = info.dea_schedule
        locked.electronic = details.electronic
        locked.date_written = details.date_written
        locked.refills_authorized = details.refills_authorized
        locked.fills_remaining = details.fills_remaining
        locked.first_filled_on = details.first_filled_on
        locked.last_filled_on = (details.last_filled_on or details.first_filled_on) if details.filled else None
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
