"""Lenalidomide REMS (Revlimid and generics), RULES.md 4.

Added as a module without touching any other programme: it reuses the
building blocks in ``common`` with its own numbers, plus two rules of its own.

- Certified pharmacy (BLOCK at every stage).
- An authorisation number and the patient's risk category go on every
  prescription, so both are required at every stage, VERIFY included (some
  programmes only issue their authorisation at dispense).
- At most 28 days' supply, no refills, no telephone prescription.
- Medication Guide with every dispense.

Rules (rule id: stages, source):

- lenalidomide.pharmacy-certified: all stages, BLOCK (RULES.md 4)
- lenalidomide.authorisation: all stages, BLOCK (RULES.md 4)
- lenalidomide.risk-category: all stages, BLOCK (RULES.md 4)
- lenalidomide.authorisation-matches: when recorded, BLOCK (RULES.md 4, 2.5)
- lenalidomide.dispense-by-date: when a date is recorded (RULES.md 4)
- lenalidomide.supply-cap: 28 days, all stages (RULES.md 4)
- lenalidomide.no-refills: all stages (RULES.md 4)
- lenalidomide.no-telephone: all stages (RULES.md 4)
- lenalidomide.medication-guide: DISPENSE (RULES.md 4)

Decisions where RULES.md is silent: how long an authorisation stays valid is
unconfirmed (see the programme's Pharmacy Guide), so no window is computed; a
"do not dispense after" date recorded on the authorisation is enforced, and
quantity / days' supply are compared when recorded. Risk categories are free
text here (the programme's own list is not in RULES.md); any non-empty value
from the prescriber or the authorisation satisfies the rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..context import NOTHING, Context
from ..facts import ALL_STAGES, Facts
from ..findings import Finding, Severity
from ..wording import gettext_noop
from .common import (
    AuthorisationMatchesPrescription,
    AuthorisationPresent,
    DispenseByDate,
    MedicationGuideRecorded,
    NoRefills,
    PharmacyCertified,
    SupplyCap,
    programme_authorisation,
)
from .registry import Programme, ProgrammeVersion, register

CODE = "lenalidomide"
NAME = "Lenalidomide REMS"
MAX_DAYS_SUPPLY = 28
SOURCE = "Lenalidomide REMS Program, Pharmacy Guide"
BLOCK = Severity.BLOCK


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskCategoryOnPrescription:
    """Lenalidomide REMS Program, Pharmacy Guide (RULES.md 4): the patient's risk category is on every prescription."""

    rule_id: str = "lenalidomide.risk-category"
    source: str = SOURCE
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = programme_authorisation(facts, CODE)
        rx = facts.prescription
        if (auth is not None and auth.risk_category) or (rx is not None and rx.risk_category):
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                "Lenalidomide REMS: the patient's risk category is not on the prescription or the authorisation."
                " Obtain it from the prescriber.",
                gettext_noop("Our pharmacist is completing a required safety-programme step with your prescriber."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoTelephonePrescription:
    """Lenalidomide REMS Program, Pharmacy Guide (RULES.md 4): no telephone prescriptions."""

    rule_id: str = "lenalidomide.no-telephone"
    source: str = SOURCE
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        rx = facts.prescription
        if rx is None or not rx.telephone:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                "Lenalidomide REMS does not allow telephone prescriptions; a written or electronic one is needed.",
                gettext_noop("Your prescriber needs to send a written or electronic prescription for this medicine."),
                self.source,
            ),
        )


VERSION = ProgrammeVersion(
    code=CODE,
    label=NAME,
    effective_from=date.min,
    rules=(
        PharmacyCertified(code=CODE, programme_name=NAME, rule_id="lenalidomide.pharmacy-certified", source=SOURCE),
        AuthorisationPresent(
            code=CODE,
            programme_name=NAME,
            label="authorisation number",
            rule_id="lenalidomide.authorisation",
            source=SOURCE,
            required_at=ALL_STAGES,
        ),
        RiskCategoryOnPrescription(),
        AuthorisationMatchesPrescription(
            code=CODE,
            programme_name=NAME,
            label="authorisation",
            rule_id="lenalidomide.authorisation-matches",
            source=SOURCE,
            values_required_at=frozenset(),
        ),
        DispenseByDate(
            code=CODE,
            programme_name=NAME,
            label="authorisation",
            rule_id="lenalidomide.dispense-by-date",
            source=SOURCE,
        ),
        SupplyCap(programme_name=NAME, max_days=MAX_DAYS_SUPPLY, rule_id="lenalidomide.supply-cap", source=SOURCE),
        NoRefills(programme_name=NAME, rule_id="lenalidomide.no-refills", source=SOURCE),
        NoTelephonePrescription(),
        MedicationGuideRecorded(programme_name=NAME, rule_id="lenalidomide.medication-guide", source=SOURCE),
    ),
    max_days_supply=MAX_DAYS_SUPPLY,
    refills_allowed=0,
    medication_guide_required=True,
    pharmacy_certification_required=True,
    authorisation_required_at=ALL_STAGES,
)

PROGRAMME = register(Programme(code=CODE, name=NAME, versions=(VERSION,)))
