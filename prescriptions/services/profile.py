"""The patient's clinical profile (allergies, conditions, medicines from
elsewhere), which drug-utilisation review screens each prescription against
(RULES.md 6.1). Every change is a new ``PatientProfileVersion`` with who made
it and when; the customer (their own patients) and the pharmacy's staff
(adding to it at review) both write through ``record_patient_profile``."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.core.facts import CONDITIONS

from ..exceptions import PrescriptionError
from ..models import Patient, PatientProfileVersion
from ..review.permissions import may_use_workspace

Answer = PatientProfileVersion.AllergyAnswer


@dataclass(frozen=True, kw_only=True)
class AllergyEntry:
    """To an ingredient (``code``, RxCUI) or a class (``drug_class``), or only named (free text)."""

    name: str
    code: str = ""
    drug_class: str = ""
    reaction: str = ""
    intolerance: bool = False


@dataclass(frozen=True, kw_only=True)
class MedicineEntry:
    """A medicine from elsewhere: ``code`` (RxCUI) when picked or mapped, "" for free text."""

    name: str
    code: str = ""


def _may_edit(patient: Patient, actor) -> bool:
    return patient.account_id == actor.pk or may_use_workspace(actor)


def _clean(text: str) -> str:
    return " ".join((text or "").split())


@transaction.atomic
def record_patient_profile(
    *,
    patient: Patient,
    actor,
    allergy_answer: str,
    allergies: Iterable[AllergyEntry | Mapping] = (),
    conditions: Iterable[str] = (),
    medicines: Iterable[MedicineEntry | Mapping] = (),
    note: str = "",
) -> PatientProfileVersion:
    """Store a new version of ``patient``'s profile, written by ``actor`` (the
    account holder or a member of the pharmacy's staff). "No known allergies"
    may not list any; "listed" must list at least one. Returns the new version
    (the previous one is unchanged when nothing differs)."""
    if not _may_edit(patient, actor):
        raise PrescriptionError(_("You may not change this patient's health information."))
    allergy_list = [
        {
            "name": _clean(a.name),
            "code": _clean(a.code),
            "drug_class": _clean(a.drug_class),
            "reaction": _clean(a.reaction),
            "intolerance": bool(a.intolerance),
        }
        for a in (AllergyEntry(**a) if isinstance(a, Mapping) else a for a in allergies)
        if _clean(a.name) or _clean(a.code) or _clean(a.drug_class)
    ]
    medicine_list = [
        {"name": _clean(m.name), "code": _clean(m.code)}
        for m in (MedicineEntry(**m) if isinstance(m, Mapping) else m for m in medicines)
        if _clean(m.name) or _clean(m.code)
    ]
    condition_list = sorted(set(conditions))
    if allergy_answer not in Answer.values:
        raise PrescriptionError(_("Say whether the patient has allergies."))
    if allergy_answer == Answer.LISTED and not allergy_list:
        raise PrescriptionError(_("List the allergies, or answer “No known allergies”."))
    if allergy_answer != Answer.LISTED and allergy_list:
        raise PrescriptionError(_("Allergies are listed: choose “Allergies or intolerances listed”."))
    unknown = set(condition_list) - CONDITIONS
    if unknown:
        raise PrescriptionError(_("Unknown condition(s): %(conditions)s.") % {"conditions": ", ".join(sorted(unknown))})
    locked = Patient.objects.select_for_update().get(pk=patient.pk)
    current = PatientProfileVersion.objects.filter(patient=locked).order_by("-version").first()
    values = {
        "allergy_answer": allergy_answer,
        "allergies": allergy_list,
        "conditions": condition_list,
        "medicines": medicine_list,
    }
    if current is not None and all(getattr(current, k) == v for k, v in values.items()):
        return current
    return PatientProfileVersion.objects.create(
        patient=locked,
        version=(current.version if current is not None else 0) + 1,
        changed_by=actor,
        changed_by_name=(actor.get_full_name() or actor.get_username())[:255],
        changed_at=timezone.now(),
        note=_clean(note),
        **values,
    )
