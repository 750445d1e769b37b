"""``evaluate``: run every rule that applies at the facts' stage and return
the findings. Pure: no I/O, no clock, no Django."""

from __future__ import annotations

from . import dur, identifiers, online_rules, prescription_rules, product_rules
from .config import DEFAULT_CONFIG, Config
from .context import Context
from .facts import Facts, Stage
from .findings import Finding
from .programmes import registry

#: The general rules in evaluation order (programme rules follow).
GENERAL_RULES = (
    online_rules.prescription_drug_has_prescription,
    online_rules.prescription_verified_by_pharmacist,
    online_rules.programme_is_registered,
    online_rules.controlled_substance_allowed_online,
    online_rules.licensed_in_ship_to_state,
    online_rules.account_holder_is_adult,
    prescription_rules.prescription_has_required_elements,
    prescription_rules.controlled_erx_is_epcs,
    identifiers.prescriber_npi_is_valid,
    identifiers.prescriber_dea_number_is_valid,
    prescription_rules.date_of_issue_not_in_future,
    prescription_rules.prescription_not_expired,
    prescription_rules.refills_within_limits,
    prescription_rules.not_before_earliest_fill_date,
    prescription_rules.schedule_ii_same_day_total,
    prescription_rules.days_supply_within_state_cap,
    prescription_rules.quantity_matches_days_supply,
    prescription_rules.refill_not_too_soon,
    prescription_rules.medication_guide_supplied,
    online_rules.patient_meets_product_minimum_age,
    product_rules.product_strength_is_as_written,
    product_rules.product_is_the_drug_written,
    *dur.RULES,
)
assert set(GENERAL_RULES) == set(online_rules.RULES) | set(prescription_rules.RULES) | set(product_rules.RULES) | set(
    dur.RULES
) | {
    identifiers.prescriber_npi_is_valid,
    identifiers.prescriber_dea_number_is_valid,
}

_BY_STAGE = {stage: tuple(r for r in GENERAL_RULES if stage in r.stages) for stage in Stage}


def rules_for(stage: Stage, programme_version: registry.ProgrammeVersion | None = None) -> tuple:
    """The rules that run at ``stage`` (general, then the programme's)."""
    extra = (
        programme_version.rules_for(stage) if programme_version is not None and not programme_version.retired else ()
    )
    return _BY_STAGE[Stage(stage)] + extra


def evaluate(facts: Facts, *, config: Config = DEFAULT_CONFIG) -> tuple[Finding, ...]:
    """Run the rules for ``facts.stage`` and return their findings, general
    rules first, then the drug's programme (the version in force on the
    evaluation date in the programme's time zone). An empty tuple means every
    rule passed; see ``passes``."""
    ctx = Context(facts, config)
    code = facts.drug.programme
    if code is not None:
        found_programme = registry.programme(code)
        if found_programme is not None:
            ctx.programme = found_programme
            ctx.programme_version = found_programme.version_on(ctx.date_in(found_programme.timezone), config)
    findings: list[Finding] = []
    for check in _BY_STAGE[facts.stage]:
        result = check(facts, ctx)
        if result:
            findings.extend(result)
    version = ctx.programme_version
    if version is not None and not version.retired:
        for check in version.rules_for(facts.stage):
            result = check(facts, ctx)
            if result:
                findings.extend(result)
    return tuple(findings)
