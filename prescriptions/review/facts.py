"""Turn a prescription and its transcription into compliance facts (Stage.VERIFY).

The review screen, the verification service and (later) the checkout gate and
the dispense step read the same prescription the same way, so this is the one
place that maps the models to ``compliance.core`` facts.
"""
from __future__ import annotations

import datetime

from compliance.adapters import build_facts
from compliance.core import Facts, Stage
from compliance.core.context import Context
from compliance.core.facts import Drug
from compliance.core.prescription_rules import last_fill_day
from compliance.services import compliance_config
from prescriptions.drugs import drug_info

from .models import Transcription


def drug_facts(product) -> Drug:
    """The product as the rules see it (drug facts from oscar attributes)."""
    info = drug_info(product)
    guide = getattr(product.attr, "medication_guide_url", None) if hasattr(product, "attr") else None
    return Drug(
        name=info.active_ingredient or product.get_title(),
        strength=info.strength,
        dosage_form=info.dosage_form,
        requires_prescription=info.requires_prescription,
        dea_schedule=info.dea_schedule if info.is_controlled else None,
        programme=info.programme or None,
        minimum_age=info.minimum_age,
        medication_guide_required=bool(guide),
    )


def verification_facts(*, prescription, transcription: Transcription, moment: datetime.datetime,
                       stage: Stage = Stage.VERIFY, pharmacy=None) -> Facts:
    """The facts a pharmacist verifies: the patient on file, the transcribed
    prescription and prescriber, the product's drug facts and, for a
    programme drug, the authorisation (RMA) when one is on file."""
    patient = prescription.patient
    drug = drug_facts(prescription.product)
    t = transcription
    authorisation = None
    if t.rma_number.strip():
        authorisation = {
            "programme": drug.programme or "ipledge",
            "number": t.rma_number.strip(),
            "risk_category": t.risk_category or None,
            "do_not_dispense_after": t.do_not_dispense_after,
        }
    return build_facts(
        stage=stage,
        moment=moment,
        drug=drug,
        pharmacy=pharmacy,
        patient={
            "full_name": patient.full_name,
            "date_of_birth": patient.date_of_birth,
            "address_line": patient.address_text,
            "state": patient.state or None,
        },
        # The account holder's own date of birth is on file only when they are the patient.
        account_holder={"date_of_birth": patient.date_of_birth if patient.relationship == "self" else None},
        prescriber={
            "name": t.prescriber_name,
            "address": t.prescriber_address,
            "npi": t.prescriber_npi.strip() or None,
            "dea_number": t.prescriber_dea_number.strip() or None,
        },
        prescription={
            "drug_name": t.drug_name,
            "strength": t.strength,
            "dosage_form": t.dosage_form,
            "quantity": t.quantity,
            "days_supply": t.days_supply,
            "directions": t.directions,
            "refills": t.refills,
            "date_written": t.date_written,
            "signed": t.signature_present,
            "completed_by_pharmacist": frozenset(t.completed_elements or ()),
            "completion_note": t.completion_note,
            "risk_category": t.risk_category or None,
        },
        authorisation=authorisation,
    )


def last_day_to_fill(facts: Facts) -> datetime.date | None:
    """The last day the prescription may be filled (RULES.md 2.2 expiry, and an
    RMA's "do not dispense after" date when there is one); None if neither applies."""
    if facts.prescription is None or facts.prescription.date_written is None:
        return None
    found = last_fill_day(facts, Context(facts, compliance_config()))
    day = found[0] if found else None
    dnd = facts.authorisation.do_not_dispense_after if facts.authorisation else None
    if dnd is not None and (day is None or dnd < day):
        day = dnd
    return day
