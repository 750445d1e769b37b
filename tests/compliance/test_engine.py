"""The engine: which rules run at which stage, the facts' guards, findings helpers."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

import pytest

from compliance.core import (
    Finding,
    Severity,
    Stage,
    blocks,
    evaluate,
    get_programme,
    passes,
    rules_for,
    warnings,
)

from .builders import change, isotretinoin_dispense

EVERY_STAGE = {
    "online.prescription-required",
    "programme.registered",
    "online.controlled-substance",
    "online.ship-to-licence",
    "online.account-holder-age",
    "rx.required-elements",
    "rx.signature",
    "rx.npi",
    "rx.dea-number",
    "rx.date-of-issue",
    "rx.expiry",
    "rx.refills",
    "rx.days-supply",
    "online.patient-minimum-age",
    "product.strength",
    "rx.schedule-ii-90-days",
    "ipledge.pharmacy-activated",
    "ipledge.rma",
    "ipledge.rma-matches",
    "ipledge.risk-category",
    "ipledge.dispense-window",
    "ipledge.supply-cap",
    "ipledge.no-refills",
    "ipledge.minimum-age",
    "dur.interaction",
    "dur.allergy",
    "dur.duplication",
}


@pytest.mark.parametrize(
    "stage, only_here",
    [
        (
            Stage.VERIFY,
            {"ipledge.blister-pack", "product.drug", "rx.quantity-days-supply", "dur.condition", "dur.profile"},
        ),
        (Stage.CHECKOUT, {"online.pharmacist-verified", "rx.refill-too-soon"}),
        (
            Stage.DISPENSE,
            {
                "online.pharmacist-verified",
                "rx.earliest-fill-date",
                "rx.refill-too-soon",
                "rx.medication-guide",
                "ipledge.blister-pack",
                "ipledge.medication-guide",
                "rx.quantity-days-supply",
                "ipledge.rma-obtained",
            },
        ),
    ],
)
def test_which_rules_run_at_which_stage(stage, only_here):
    version = get_programme("ipledge", date(2026, 3, 5))
    assert {r.rule_id for r in rules_for(stage, version)} == EVERY_STAGE | only_here


@pytest.mark.parametrize("programme", ["ipledge", "lenalidomide", "mycophenolate"])
def test_at_ship_only_the_mail_order_delivery_rule_runs(programme):
    """SHIP judges the parcel, not the medicine: no general rule, and of a programme only the
    rule that compares the parcel's promised delivery with the authorisation's date."""
    version = get_programme(programme, date(2026, 3, 5))
    expected = {"ipledge.dispense-window"} if programme == "ipledge" else set()
    assert {r.rule_id for r in rules_for(Stage.SHIP, version)} == expected


def test_an_isotretinoin_prescription_verifies_without_an_rma_and_dispenses_only_with_one():
    verify = isotretinoin_dispense(
        stage=Stage.VERIFY,
        authorisation=None,
        medication_guide_recorded=False,
        prescription_verified=False,
        promised_delivery_on=None,
    )
    assert evaluate(verify) == ()
    checkout = dataclasses.replace(verify, stage=Stage.CHECKOUT, prescription_verified=True)
    assert evaluate(checkout) == ()
    dispense = dataclasses.replace(checkout, stage=Stage.DISPENSE)
    assert {f.rule_id for f in blocks(evaluate(dispense))} == {"ipledge.rma", "ipledge.medication-guide"}


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        isotretinoin_dispense(moment=datetime(2026, 3, 5, 12, 0))  # noqa: DTZ001  (naive on purpose)


def test_a_stage_may_be_given_by_value():
    assert isotretinoin_dispense(stage="verify").stage is Stage.VERIFY


def test_findings_helpers():
    block = Finding("a", Severity.BLOCK, "p", "c", "RULES.md 1.1")
    warn = Finding("b", Severity.WARN, "p", "c", "RULES.md 1.1")
    assert passes(()) and passes((warn,)) and not passes((warn, block))
    assert blocks((warn, block)) == (block,) and warnings((warn, block)) == (warn,)
    assert Finding.from_dict(block.to_dict()) == block


def test_facts_are_immutable():
    facts = isotretinoin_dispense()
    with pytest.raises(dataclasses.FrozenInstanceError):
        facts.stage = Stage.VERIFY


def test_evaluation_does_not_depend_on_the_zone_the_moment_is_given_in():
    from zoneinfo import ZoneInfo

    facts = isotretinoin_dispense()
    in_tokyo = change(facts, moment=facts.moment.astimezone(ZoneInfo("Asia/Tokyo")))
    assert evaluate(in_tokyo) == evaluate(facts)
    late = change(facts, moment=datetime(2026, 3, 9, 12, 30, tzinfo=ZoneInfo("Asia/Tokyo")))  # 23:30 EDT on 03-08
    assert passes(evaluate(late))
