"""Turn the project's data into core facts.

``pharmacy_facts(on)`` reads the pharmacy's licences and certifications;
``build_facts(...)`` turns plain values (dicts, dates, strings) into a
``Facts``, so the checkout, the review screen and the dispense step can each
map their own models without importing dataclasses one by one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.utils import timezone

from .core import (
    AccountHolder,
    Authorisation,
    Certification,
    Drug,
    Facts,
    Licence,
    Patient,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
)
from .models import PharmacyLicence, ProgrammeCertification
from .online import online_controlled_registered


def pharmacy_facts(on: date) -> PharmacyFacts:
    """The pharmacy as the rules see it on ``on``: licences not expired by
    then, every programme certification (the rules judge activation and
    reactivation), and the DEA online registration
    (``online.online_controlled_registered``, default False, RULES.md 3.3)."""
    licences = tuple(
        Licence(state=row.state, kind=row.kind, number=row.number, expires_on=row.expires_on)
        for row in PharmacyLicence.objects.filter(expires_on__gte=on).order_by("state", "kind", "number")
    )
    certifications = tuple(
        Certification(
            programme=row.programme,
            activated_on=row.activated_on,
            reactivation_due=row.reactivation_due,
            responsible_pharmacist=row.responsible_pharmacist,
        )
        for row in ProgrammeCertification.objects.order_by("programme", "activated_on", "id")
    )
    return PharmacyFacts(
        licences=licences,
        certifications=certifications,
        online_controlled_registered=online_controlled_registered(),
    )


def _part(cls, value: Any):
    if value is None or isinstance(value, cls):
        return value
    if isinstance(value, Mapping):
        return cls(**value)
    raise TypeError(f"expected {cls.__name__} or a mapping, not {type(value).__name__}")


def build_facts(
    *,
    stage: Stage | str,
    drug: Drug | Mapping,
    moment: datetime | None = None,
    patient: Patient | Mapping | None = None,
    account_holder: AccountHolder | Mapping | None = None,
    prescriber: Prescriber | Mapping | None = None,
    prescription: PrescriptionFacts | Mapping | None = None,
    authorisation: Authorisation | Mapping | None = None,
    pharmacy: PharmacyFacts | None = None,
    ship_to_state: str | None = None,
    prescription_verified: bool = False,
    medication_guide_recorded: bool = False,
    fills_so_far: int = 0,
    promised_delivery_on: date | None = None,
) -> Facts:
    """Facts from plain values. Each part may be the core dataclass or a
    mapping of its fields (``prescription={"quantity": 30, ...}``).
    ``moment`` defaults to now; ``pharmacy`` defaults to ``pharmacy_facts``
    on the moment's local date."""
    moment = moment or timezone.now()
    if timezone.is_naive(moment):
        raise ValueError("moment must be timezone-aware")
    if pharmacy is None:
        pharmacy = pharmacy_facts(timezone.localtime(moment).date())
    return Facts(
        stage=Stage(stage),
        moment=moment,
        drug=_part(Drug, drug),
        pharmacy=pharmacy,
        patient=_part(Patient, patient),
        account_holder=_part(AccountHolder, account_holder),
        prescriber=_part(Prescriber, prescriber),
        prescription=_part(PrescriptionFacts, prescription),
        authorisation=_part(Authorisation, authorisation),
        ship_to_state=ship_to_state or None,
        prescription_verified=prescription_verified,
        medication_guide_recorded=medication_guide_recorded,
        fills_so_far=fills_so_far,
        promised_delivery_on=promised_delivery_on,
    )
