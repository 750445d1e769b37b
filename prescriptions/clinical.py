"""The patient's clinical profile and the other medicines, as drug-utilisation
review sees them (``compliance.core.dur``, RULES.md 6.1).

``current_profile`` reads the latest profile version; ``clinical_facts``
builds ``ClinicalFacts`` for one prescription: the profile, the patient's
other active prescriptions at this pharmacy and their medicines from
elsewhere, the interactions the configured source finds (looked up here, so
the facts record what was screened), and the DUR findings a pharmacist
overrode when verifying this prescription.
"""

from __future__ import annotations

import datetime

from compliance.core import (
    Allergy,
    ClinicalFacts,
    Ingredient,
    InteractionSource,
    OtherMedicine,
    screen,
)
from compliance.core.dur import INTERACTION, PREFIX
from compliance.interactions import interaction_source

from .drugs import drug_info
from .models import PatientProfileVersion, Prescription, PrescriptionStatus
from .review.models import Outcome, ReviewDecision

#: Prescriptions whose medicine the patient is taking or about to take.
ACTIVE = (PrescriptionStatus.VERIFIED, PrescriptionStatus.USED_UP)
#: A used-up prescription counts while its last fill may still be being taken.
RECENT = datetime.timedelta(days=90)


def current_profile(patient) -> PatientProfileVersion | None:
    return PatientProfileVersion.objects.filter(patient=patient).order_by("-version").first()


def ingredients_for(codes, source: InteractionSource, *, name: str = "") -> tuple[Ingredient, ...]:
    """Ingredients by code, named and classed by the source; a code the source
    does not know keeps the catalogue's name and no class."""
    found = []
    for code in codes:
        known = source.ingredient(code)
        found.append(known if known is not None else Ingredient(code=code, name=name))
    return tuple(found)


def _other_prescriptions(prescription, source: InteractionSource, now) -> tuple[list[OtherMedicine], list[int]]:
    others = (
        Prescription.objects.filter(patient_id=prescription.patient_id, status__in=ACTIVE)
        .exclude(pk=prescription.pk)
        .select_related("product")
        .order_by("pk")
    )
    medicines, ids = [], []
    for other in others:
        if other.status == PrescriptionStatus.USED_UP and other.updated_at and other.updated_at < now - RECENT:
            continue
        info = drug_info(other.product)
        if not info.ingredient_codes:
            continue
        medicines.append(
            OtherMedicine(
                reference=f"prescription {other.reference}",
                name=info.active_ingredient or other.product.get_title(),
                ingredients=ingredients_for(info.ingredient_codes, source, name=info.active_ingredient),
            )
        )
        ids.append(other.pk)
    return medicines, ids


def _latest_verification(prescription_id):
    return (
        ReviewDecision.objects.filter(prescription_id=prescription_id, outcome=Outcome.VERIFIED)
        .order_by("-decided_at", "-id")
        .first()
    )


def _overridden(prescription, other_ids) -> frozenset[str]:
    """The DUR findings a pharmacist overrode, with a reason, when verifying
    this prescription; and an interaction overridden when verifying one of the
    patient's other active prescriptions (the same pair, seen from the other
    side: the pharmacist documented that this patient takes both)."""
    found = set()
    decision = _latest_verification(prescription.pk)
    if decision is not None:
        found |= {o["rule_id"] for o in decision.warning_overrides if o["rule_id"].startswith(PREFIX)}
    for other_id in other_ids:
        other = _latest_verification(other_id)
        if other is None:
            continue
        for override in other.warning_overrides:
            rule_id = override["rule_id"]
            if rule_id.startswith(f"{INTERACTION}:"):
                mine, theirs = rule_id.removeprefix(f"{INTERACTION}:").split("+", 1)
                found.add(f"{INTERACTION}:{theirs}+{mine}")
    return frozenset(found)


def clinical_facts(prescription, drug_ingredients, *, now, source: InteractionSource | None = None) -> ClinicalFacts:
    source = source or interaction_source()
    profile = current_profile(prescription.patient)
    medicines, other_ids = _other_prescriptions(prescription, source, now)
    unmapped = []
    if profile is not None:
        for item in profile.medicines:
            code = (item.get("code") or "").strip()
            if not code:
                unmapped.append(item.get("name", ""))
                continue
            medicines.append(
                OtherMedicine(
                    reference=f"from elsewhere, profile v{profile.version}",
                    name=item.get("name") or code,
                    ingredients=ingredients_for((code,), source, name=item.get("name", "")),
                    from_elsewhere=True,
                )
            )
    allergies = ()
    if profile is not None:
        allergies = tuple(
            Allergy(
                name=a.get("name") or a.get("drug_class") or a.get("code") or "",
                code=(a.get("code") or "").strip() or None,
                drug_class=(a.get("drug_class") or "").strip() or None,
                reaction=a.get("reaction", ""),
                intolerance=bool(a.get("intolerance")),
            )
            for a in profile.allergies
        )
    return ClinicalFacts(
        allergy_answer=profile.allergy_answer if profile is not None else PatientProfileVersion.AllergyAnswer.NOT_ASKED,
        allergies=allergies,
        conditions=frozenset(profile.conditions if profile is not None else ()),
        medicines=tuple(medicines),
        unmapped_medicines=tuple(unmapped),
        interactions=screen(source, drug_ingredients, medicines),
        source=source.name,
        overridden=_overridden(prescription, other_ids),
    )
