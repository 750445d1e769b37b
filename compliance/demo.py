"""Demo licences and the iPLEDGE activation, for ``make demo``."""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from .models import PharmacyLicence, ProgrammeCertification

#: (state, kind, number). No Massachusetts (it issues no non-resident
#: licence) and most other states absent, so the ship-to block can be seen.
DEMO_LICENCES = (
    ("NY", PharmacyLicence.Kind.RESIDENT, "NY-RPH-031415"),
    ("NJ", PharmacyLicence.Kind.NON_RESIDENT, "NJ-NRP-271828"),
    ("PA", PharmacyLicence.Kind.NON_RESIDENT, "PA-NRP-161803"),
    ("CA", PharmacyLicence.Kind.NON_RESIDENT, "CA-NRP-141421"),
    ("TX", PharmacyLicence.Kind.NON_RESIDENT, "TX-NRP-173205"),
    ("FL", PharmacyLicence.Kind.NON_RESIDENT, "FL-NRP-223606"),
)
DEMO_RESPONSIBLE_PHARMACIST = "Dana Whitfield, PharmD"


@transaction.atomic
def load_demo_compliance(*, today: date | None = None) -> dict[str, int]:
    """Load demo licences for six states and an active iPLEDGE certification.

    Idempotent: rows are looked up by state and kind (licences) and by
    programme (certification) and left alone when present, so a second run
    changes nothing. Dates are set relative to ``today`` (default: the local
    date) on first load: licences run two years, the certification was
    activated 60 days ago and is due for reactivation in 305 days. Returns the
    number of rows created.
    """
    today = today or timezone.localdate()
    created = {"licences": 0, "certifications": 0}
    for state, kind, number in DEMO_LICENCES:
        _, was_created = PharmacyLicence.objects.get_or_create(
            state=state,
            kind=kind,
            defaults={"number": number, "expires_on": today + timedelta(days=730)},
        )
        created["licences"] += was_created
    if not ProgrammeCertification.objects.filter(programme="ipledge").exists():
        ProgrammeCertification.objects.create(
            programme="ipledge",
            activated_on=today - timedelta(days=60),
            reactivation_due=today + timedelta(days=305),
            responsible_pharmacist=DEMO_RESPONSIBLE_PHARMACIST,
        )
        created["certifications"] += 1
    return created
