"""Mycophenolate REMS, RULES.md 4: prescriber training and a patient
acknowledgement form (the prescriber's side); no pharmacy certification and no
dispense authorisation. The pharmacy only supplies the Medication Guide:
rule mycophenolate.medication-guide, DISPENSE, BLOCK."""

from __future__ import annotations

from datetime import date

from .common import MedicationGuideRecorded
from .registry import Programme, ProgrammeVersion, register

CODE = "mycophenolate"
NAME = "Mycophenolate REMS"

VERSION = ProgrammeVersion(
    code=CODE,
    label=NAME,
    effective_from=date.min,
    rules=(
        MedicationGuideRecorded(
            programme_name=NAME, rule_id="mycophenolate.medication-guide", source="Mycophenolate REMS; 21 CFR 208.24"
        ),
    ),
    medication_guide_required=True,
)

PROGRAMME = register(Programme(code=CODE, name=NAME, versions=(VERSION,)))
