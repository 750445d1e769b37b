"""The one mapping from the pharmacy's records to the rules' facts (``compliance.core``).

The review screen and the verification (Stage.VERIFY), the checkout gate
(Stage.CHECKOUT) and the dispense step (Stage.DISPENSE) read a prescription
the same way, here: the patient on file, the pharmacist's transcription
(prescriber, prescription, RMA), the product's drug facts, the account
holder's own date of birth, how many fills are used. What differs by stage is
a parameter of ``facts_for_prescription``, not a copy of it:

- the product on the order line (checkout, dispense; the prescription's
  product otherwise),
- the ship-to state (checkout, dispense),
- the RMA the pharmacist read from the programme at dispense (it replaces the
  one transcribed, falling back to the transcription for what was left blank),
  with who obtained it and when (iPLEDGE: the dispensing pharmacist, at
  dispense; an RMA only transcribed at review records neither),
- whether the Medication Guide goes in the parcel (dispense),
- the moment ("now" at checkout, the dispense time at dispense),
- the promised delivery date of the parcel (dispense, ship: ``prescriptions.delivery``).

Every stage also carries the clinical facts drug-utilisation review screens
(``prescriptions.clinical``): the profile, the other medicines, the
interactions found, the DUR findings overridden at verification.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Protocol

from django.apps import apps
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone

from compliance.adapters import pharmacy_facts
from compliance.core import (
    AccountHolder,
    Authorisation,
    Drug,
    Facts,
    OtherPrescription,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
)
from compliance.core import (
    Patient as PatientFacts,
)
from compliance.core.refills import RefillFacts
from compliance.interactions import interaction_source

from .clinical import clinical_facts, ingredients_for
from .drugs import drug_info
from .models import Patient, Prescription, PrescriptionStatus


class EnteredAuthorisation(Protocol):
    """What the pharmacist read from the programme at dispense
    (``dispensing.services.AuthorisationInput``)."""

    number: str
    do_not_dispense_after: datetime.date | None
    risk_category: str
    quantity: int | None
    days_supply: int | None


class _LookUp:
    def __repr__(self) -> str:
        return "LOOK_UP"


#: ``account_holder_dob=LOOK_UP`` (the default): read it for the prescription's account.
LOOK_UP = _LookUp()


def holder_date_of_birth(customer_id: int | None) -> datetime.date | None:
    """The account holder's own date of birth: from their own patient record
    (relationship "self", one per account), None when they have none yet."""
    if customer_id is None:
        return None
    return (
        Patient.objects.filter(account_id=customer_id, relationship=Patient.Relationship.SELF)
        .values_list("date_of_birth", flat=True)
        .first()
    )


@dataclass(frozen=True)
class LastFill:
    """The latest fill of a prescription: its ``Dispense`` row, the day (in the pharmacy's time
    zone) and the days' supply that went out."""

    dispense_id: int
    on: datetime.date
    days_supply: int | None


def last_fills(prescriptions) -> dict[int, LastFill]:
    """For each prescription, its latest fill (``LastFill``). The days' supply is the
    programme's authorised one when the pharmacist entered it at dispense, else the
    transcription's. A prescription transferred in and not yet filled here has the
    transferring pharmacy's latest fill (``dispense_id`` 0: no reminder is keyed on it).
    One query for any number of prescriptions (two when some were never filled here)."""
    by_id = {p.pk: p for p in prescriptions}
    if not by_id:
        return {}
    dispense = apps.get_model("dispensing", "Dispense")
    found: dict[int, LastFill] = {}
    rows = (
        dispense.objects.filter(prescription_id__in=by_id)
        .order_by("prescription_id", "-dispensed_at", "-id")
        .values_list("prescription_id", "id", "dispensed_at", "authorisation__days_supply")
    )
    for prescription_id, dispense_id, dispensed_at, authorised_days in rows:
        if prescription_id in found:
            continue
        days_supply = authorised_days
        if days_supply is None:
            try:
                days_supply = by_id[prescription_id].transcription.days_supply
            except ObjectDoesNotExist:
                days_supply = None
        found[prescription_id] = LastFill(dispense_id, timezone.localtime(dispensed_at).date(), days_supply)
    # Not filled here yet but transferred in after a fill elsewhere: that fill counts (dispense_id 0).
    transferred = [pk for pk in by_id if pk not in found]
    if transferred:
        transfer = apps.get_model("prescriptions", "TransferRequest")
        for prescription_id, filled_on in transfer.objects.filter(
            prescription_id__in=transferred, last_filled_on__isnull=False
        ).values_list("prescription_id", "last_filled_on"):
            try:
                days_supply = by_id[prescription_id].transcription.days_supply
            except ObjectDoesNotExist:
                days_supply = None
            found[prescription_id] = LastFill(0, filled_on, days_supply)
    return found


def refill_facts(prescription, *, fills_held: int = 0, last_fill: LastFill | None | _LookUp = None) -> RefillFacts:
    """The prescription as the refill rules see it (``compliance.core.refills``).
    ``last_fill`` is its entry of ``last_fills`` (None: never filled; ``LOOK_UP``: read it)."""
    if last_fill is LOOK_UP:
        last_fill = last_fills([prescription]).get(prescription.pk)
    return RefillFacts(
        drug=drug_facts(prescription.product),
        # "verified": a pharmacist verified it (used-up and expired ones too: the rules say why no refill).
        verified=prescription.status
        in (PrescriptionStatus.VERIFIED, PrescriptionStatus.USED_UP, PrescriptionStatus.EXPIRED),
        refills_authorized=prescription.refills_authorized,
        fills_used=prescription.fills_used,
        fills_held=fills_held,
        expires_on=prescription.expires_on,
        last_fill_on=last_fill.on if last_fill else None,
        last_fill_days_supply=last_fill.days_supply if last_fill else None,
    )


def drug_facts(product) -> Drug:
    """The product as the rules see it (drug facts from oscar attributes). The
    drug's name is its active ingredient, or the product's title when the
    catalogue gives none."""
    info = drug_info(product)
    guide = getattr(product.attr, "medication_guide_url", None) if hasattr(product, "attr") else None
    return Drug(
        name=info.active_ingredient or product.get_title(),
        strength=info.strength,
        dosage_form=info.dosage_form,
        requires_prescription=info.requires_prescription,
        # Passed as recorded: ``Drug`` refuses a value outside 1..5 rather than
        # read bad catalogue data as "not controlled".
        dea_schedule=info.dea_schedule,
        programme=info.programme or None,
        minimum_age=info.minimum_age,
        medication_guide_required=bool(guide),
        ingredients=ingredients_for(info.ingredient_codes, interaction_source(), name=info.active_ingredient),
    )


def same_day_schedule_ii(prescription, transcription, drug: Drug) -> tuple[OtherPrescription, ...]:
    """21 CFR 1306.12(b): for a Schedule II prescription, the patient's other
    Schedule II prescriptions by the same prescriber (same NPI, else the same
    name) written the same day, not rejected, with their days' supply and
    "do not fill before" dates. Used-up and expired ones count: the limit is on
    what was issued."""
    if drug.dea_schedule != 2 or transcription.date_written is None:
        return ()
    candidates = (
        Prescription.objects.filter(
            patient_id=prescription.patient_id, transcription__date_written=transcription.date_written
        )
        .exclude(pk=prescription.pk)
        .exclude(status=PrescriptionStatus.REJECTED)
        .select_related("transcription", "product")
        .order_by("pk")
    )
    npi = transcription.prescriber_npi.strip()
    if npi:
        candidates = candidates.filter(transcription__prescriber_npi=npi)
    else:
        candidates = candidates.filter(transcription__prescriber_name__iexact=transcription.prescriber_name.strip())
    return tuple(
        OtherPrescription(
            reference=other.reference,
            date_written=other.transcription.date_written,
            days_supply=other.transcription.days_supply,
            earliest_fill_date=other.transcription.earliest_fill_date,
        )
        for other in candidates
        if drug_info(other.product).dea_schedule == 2
    )


def _authorisation(
    drug: Drug,
    transcription,
    entered: EnteredAuthorisation | None,
    *,
    obtained_by=None,
    obtained_at: datetime.datetime | None = None,
) -> Authorisation | None:
    """The programme authorisation (RMA): the one the pharmacist entered at
    dispense (obtained by ``obtained_by`` at ``obtained_at``), else the one
    transcribed (no one recorded as having obtained it), else None."""
    programme = drug.programme or ""
    if entered is not None and entered.number.strip():
        return Authorisation(
            programme=programme,
            number=entered.number.strip(),
            risk_category=entered.risk_category or transcription.risk_category or None,
            do_not_dispense_after=entered.do_not_dispense_after,
            quantity=entered.quantity if entered.quantity is not None else transcription.quantity,
            days_supply=entered.days_supply if entered.days_supply is not None else transcription.days_supply,
            obtained_at=obtained_at if obtained_by is not None else None,
            obtained_by=str(obtained_by.pk) if obtained_by is not None else None,
        )
    if transcription.rma_number.strip():
        return Authorisation(
            programme=programme,
            number=transcription.rma_number.strip(),
            risk_category=transcription.risk_category or None,
            do_not_dispense_after=transcription.do_not_dispense_after,
        )
    return None


def facts_for_prescription(
    *,
    stage: Stage,
    prescription,
    moment: datetime.datetime,
    transcription=None,
    product=None,
    ship_to_state: str | None = None,
    account_holder_dob: datetime.date | None | _LookUp = LOOK_UP,
    authorisation: EnteredAuthorisation | None = None,
    authorisation_obtained_by=None,
    authorisation_obtained_at: datetime.datetime | None = None,
    medication_guide_recorded: bool = False,
    pharmacy: PharmacyFacts | None = None,
    promised_delivery_on: datetime.date | None = None,
) -> Facts:
    """The facts of ``prescription`` at ``stage`` (see the module docstring).

    ``transcription`` defaults to the prescription's own (the review passes
    the row it has locked); ``product`` to the prescription's product;
    ``account_holder_dob`` is looked up (``holder_date_of_birth``) unless
    given (the gate reads it once per basket); ``pharmacy`` is read for the moment's local date unless given.
    ``authorisation_obtained_by`` is the pharmacist who entered ``authorisation``
    at dispense: the RMA is then recorded as obtained by them at ``moment``, or at
    ``authorisation_obtained_at`` (an RMA obtained at dispense, read again when the parcel ships).
    """
    if timezone.is_naive(moment):
        raise ValueError("moment must be timezone-aware")
    t = prescription.transcription if transcription is None else transcription
    patient = prescription.patient
    drug = drug_facts(prescription.product if product is None else product)
    if account_holder_dob is LOOK_UP:
        account_holder_dob = holder_date_of_birth(prescription.customer_id)
    last_fill = last_fills([prescription]).get(prescription.pk)
    return Facts(
        stage=Stage(stage),
        moment=moment,
        drug=drug,
        pharmacy=pharmacy if pharmacy is not None else pharmacy_facts(timezone.localtime(moment).date()),
        patient=PatientFacts(
            full_name=patient.full_name,
            date_of_birth=patient.date_of_birth,
            address_line=patient.address_text,
            state=patient.state or None,
        ),
        account_holder=AccountHolder(date_of_birth=account_holder_dob),
        prescriber=Prescriber(
            name=t.prescriber_name,
            address=t.prescriber_address,
            npi=t.prescriber_npi.strip() or None,
            dea_number=t.prescriber_dea_number.strip() or None,
        ),
        prescription=PrescriptionFacts(
            drug_name=t.drug_name,
            strength=t.strength,
            dosage_form=t.dosage_form,
            quantity=t.quantity,
            days_supply=t.days_supply,
            directions=t.directions,
            refills=t.refills,
            date_written=t.date_written,
            signed=t.signature_present,
            completed_by_pharmacist=frozenset(t.completed_elements or ()),
            completion_note=t.completion_note,
            risk_category=t.risk_category or None,
            earliest_fill_date=t.earliest_fill_date,
            same_day_schedule_ii=same_day_schedule_ii(prescription, t, drug),
            last_fill_on=last_fill.on if last_fill else None,
            last_fill_days_supply=last_fill.days_supply if last_fill else None,
        ),
        authorisation=_authorisation(
            drug,
            t,
            authorisation,
            obtained_by=authorisation_obtained_by,
            obtained_at=authorisation_obtained_at or moment,
        ),
        ship_to_state=ship_to_state or None,
        prescription_verified=prescription.status == PrescriptionStatus.VERIFIED,
        medication_guide_recorded=medication_guide_recorded,
        fills_so_far=prescription.fills_used,
        promised_delivery_on=promised_delivery_on,
        clinical=clinical_facts(prescription, drug.ingredients, now=moment),
    )
