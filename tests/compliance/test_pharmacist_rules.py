"""Rules a pharmacist expects, at their boundaries: quantity against days'
supply and directions (42 CFR 456.705(b)), Schedule II refills and same-day
prescriptions (21 CFR 1306.12), the RMA obtained by the dispensing pharmacist
(iPLEDGE), and the product against the prescription at dispense."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import OtherPrescription, Severity, Stage, evaluate, passes
from compliance.core.directions import daily_dose

from .builders import change, controlled_dispense, doxycycline_dispense, isotretinoin_dispense

BLOCK, WARN = Severity.BLOCK, Severity.WARN


def found(facts, rule_id):
    return [(f.severity, f) for f in evaluate(facts) if f.rule_id == rule_id]


def severities(facts, rule_id):
    return [s for s, _ in found(facts, rule_id)]


# ------------------------------------------------ reading the directions


@pytest.mark.parametrize(
    "sig, per_day",
    [
        ("Take 1 capsule by mouth twice daily", 2),
        ("take 1 capsule twice daily", 2),
        ("1 tab by mouth every 12 hours", 2),
        ("two capsules daily", 2),
        ("once a day", 1),
        ("Take one tablet three times a day", 3),
        ("bid", 2),
        ("BID", 2),
        ("b.i.d.", 2),
        ("tid", 3),
        ("qid", 4),
        ("qd", 1),
        ("q8h", 3),
        ("q 6 h", 4),
        ("1 tab PO q12h", 2),
        ("Take 1/2 tablet by mouth twice daily", 1),
        ("take ½ tab at bedtime", Decimal("0.5")),
        ("1.5 tablets daily", Decimal("1.5")),
        ("1 tablet every other day", Decimal("0.5")),
        ("Take 2 tabs PO TID for 10 days", 6),
        ("Take 1 capsule by mouth daily with food", 1),
    ],
)
def test_simple_directions_are_read_into_a_daily_dose(sig, per_day):
    assert daily_dose(sig) == Decimal(per_day)


def test_once_a_week_is_a_seventh_of_a_dose_a_day():
    assert daily_dose("1 tablet once a week") * 7 == pytest.approx(1)


@pytest.mark.parametrize(
    "sig",
    [
        "",
        "   ",
        "as directed",
        "take 1 tablet as needed for pain",
        "1 tab q4h prn",
        "take 1-2 tablets daily",
        "every 4 to 6 hours",
        "take 1 tablet in the morning and 1 at night",
        "1 tab daily then 2 tabs daily",
        "10 ml twice daily",
        "take 20 mg daily",
        "apply twice daily",
        "inhale 2 puffs qid",
        "take 1 tablet q5h",
        "take 1 tablet daily at bedtime",
        "1 tablet or 2 tablets daily",
        "take 1 tablet 3 times daily, max 6",
        "qd bid",
    ],
)
def test_directions_that_are_not_plain_are_left_to_the_pharmacist(sig):
    assert daily_dose(sig) is None


@given(st.text(max_size=80))
def test_the_reader_never_fails_and_never_reads_a_dose_of_zero_or_less(text):
    result = daily_dose(text)
    assert result is None or result > 0


_WORDS = {1: "one", 2: "two", 3: "three", 4: "four"}
_FREQS = {
    "daily": 1,
    "once a day": 1,
    "twice daily": 2,
    "bid": 2,
    "tid": 3,
    "qid": 4,
    "every 12 hours": 2,
    "q8h": 3,
    "every 6 hours": 4,
    "three times a day": 3,
    "every other day": Decimal("0.5"),
}


@given(
    st.integers(1, 4),
    st.booleans(),
    st.sampled_from(["tablet", "tablets", "capsule", "capsules", "tab", "cap"]),
    st.sampled_from(sorted(_FREQS)),
    st.sampled_from(["", "Take ", "take ", "TAKE "]),
    st.sampled_from(["", " by mouth", " PO", " orally"]),
    st.sampled_from(["", " with food", " with water"]),
)
def test_a_generated_plain_sig_is_read_exactly(n, as_word, unit, frequency, verb, route, extra):
    sig = f"{verb}{_WORDS[n] if as_word else n} {unit}{route} {frequency}{extra}"
    assert daily_dose(sig) == n * Decimal(_FREQS[frequency])
    assert daily_dose(sig.upper()) == n * Decimal(_FREQS[frequency])


# -------------------------------------- quantity against days' supply


def _fill(quantity, days, sig="Take 1 capsule by mouth twice daily", stage=Stage.DISPENSE, form="capsule"):
    return change(
        doxycycline_dispense(stage=stage),
        prescription__quantity=quantity,
        prescription__days_supply=days,
        prescription__directions=sig,
        prescription__dosage_form=form,
    )


@pytest.mark.parametrize(
    "quantity, days, warned",
    [
        (60, 30, False),  # 60 / 2 a day = 30 days
        (66, 30, False),  # 33 days: 3 days off, 10 % of 30: the edge, allowed
        (67, 30, True),  # 33.5 days
        (54, 30, False),  # 27 days, the edge below
        (53, 30, True),
        (12, 5, False),  # 6 days: 10 % of 5 is less than a day, so one day is allowed
        (13, 5, True),  # 6.5 days
        (8, 5, False),  # 4 days
        (7, 5, True),  # 3.5 days
    ],
)
def test_quantity_must_last_the_days_supply_within_ten_percent_or_a_day(quantity, days, warned):
    assert severities(_fill(quantity, days), "rx.quantity-days-supply") == ([WARN] if warned else [])


def test_the_warning_says_what_the_quantity_would_last():
    ((_, finding),) = found(_fill(90, 30), "rx.quantity-days-supply")
    assert "lasts 45 days" in finding.pharmacist_message and "30 days' supply" in finding.pharmacist_message


@pytest.mark.parametrize("stage, asked", [(Stage.VERIFY, True), (Stage.CHECKOUT, False), (Stage.DISPENSE, True)])
def test_quantity_and_days_supply_are_checked_by_the_pharmacist(stage, asked):
    assert bool(severities(_fill(90, 30, stage=stage), "rx.quantity-days-supply")) is asked


@pytest.mark.parametrize(
    "changes",
    [
        {"sig": "take 1-2 capsules as needed"},  # unparseable: the pharmacist reads it
        {"sig": "apply twice daily", "form": "cream"},
        {"sig": "Take 1 capsule twice daily", "form": "oral solution"},
    ],
)
def test_no_finding_when_the_directions_cannot_be_read(changes):
    assert severities(_fill(90, 30, **changes), "rx.quantity-days-supply") == []


# ------------------------------------------------------- Schedule II


@pytest.mark.parametrize("refills, blocked", [(0, False), (1, True)])
def test_schedule_ii_has_no_refills(refills, blocked):
    facts = change(controlled_dispense(), prescription__refills=refills)
    ((severity, finding),) = found(facts, "rx.refills") or [(None, None)]
    assert (severity is BLOCK) is blocked
    if blocked:
        assert finding.source.startswith("21 CFR 1306.12(a)")


def _c2(days=30, earliest=None, others=(), moment=None):
    facts = controlled_dispense()
    if moment is not None:
        facts = change(facts, moment=moment)
    return change(
        facts,
        prescription__days_supply=days,
        prescription__quantity=days * 2,
        prescription__earliest_fill_date=earliest,
        prescription__same_day_schedule_ii=tuple(others),
    )


def _other(reference, days, earliest):
    return OtherPrescription(
        reference=reference, date_written=date(2026, 3, 2), days_supply=days, earliest_fill_date=earliest
    )


@pytest.mark.parametrize(
    "days, other_days, blocked",
    [
        (30, (30, 30), False),  # 90 days in all: allowed
        (30, (30, 31), True),  # 91
        (31, (30, 30), True),
        (45, (45,), False),
        (46, (45,), True),
    ],
)
def test_schedule_ii_prescriptions_issued_the_same_day_total_at_most_90_days(days, other_days, blocked):
    others = [_other(f"RX-{i}", d, date(2026, 4, 1) + timedelta(days=30 * i)) for i, d in enumerate(other_days)]
    got = severities(_c2(days=days, others=others), "rx.schedule-ii-90-days")
    assert got == ([BLOCK] if blocked else [])


def test_the_90_day_total_names_the_regulation_and_the_other_prescriptions():
    others = [_other("RX-AAAA0001", 31, date(2026, 4, 4)), _other("RX-AAAA0002", 30, date(2026, 5, 4))]
    ((_, finding),) = found(_c2(others=others), "rx.schedule-ii-90-days")
    assert finding.source == "21 CFR 1306.12(b)"
    assert "91 days" in finding.pharmacist_message and "RX-AAAA0001" in finding.pharmacist_message


def test_a_missing_days_supply_among_same_day_schedule_ii_blocks():
    assert severities(_c2(others=[_other("RX-1", None, date(2026, 4, 4))]), "rx.schedule-ii-90-days") == [BLOCK]


def test_only_the_first_same_day_schedule_ii_may_go_without_an_earliest_fill_date():
    dated = _c2(others=[_other("RX-1", 30, date(2026, 4, 4))])
    assert severities(dated, "rx.schedule-ii-90-days") == []
    both_undated = _c2(others=[_other("RX-1", 30, None)])
    assert severities(both_undated, "rx.schedule-ii-90-days") == [BLOCK]


def test_the_90_day_rule_is_for_schedule_ii_only():
    facts = change(doxycycline_dispense(), prescription__same_day_schedule_ii=(_other("RX-1", 90, None),))
    assert severities(facts, "rx.schedule-ii-90-days") == []


@pytest.mark.parametrize("today, blocked", [(date(2026, 4, 3), True), (date(2026, 4, 4), False)])
def test_a_schedule_ii_is_not_dispensed_before_its_earliest_fill_date(today, blocked):
    from .builders import et

    facts = _c2(
        earliest=date(2026, 4, 4),
        others=[_other("RX-1", 30, None)],
        moment=et(today.year, today.month, today.day, 10, 0),
    )
    facts = change(facts, prescription__date_written=date(2026, 3, 2))
    got = severities(facts, "rx.earliest-fill-date")
    assert got == ([BLOCK] if blocked else [])
    assert severities(facts, "rx.schedule-ii-90-days") == []


# --------------------------------------- the RMA, obtained at dispense


@pytest.mark.parametrize(
    "changes, blocked",
    [
        ({}, False),
        ({"authorisation__obtained_by": None}, True),
        ({"authorisation__obtained_by": "  "}, True),
        ({"authorisation__obtained_at": None}, True),
        ({"authorisation__obtained_by": None, "authorisation__obtained_at": None}, True),
    ],
)
def test_the_rma_records_the_pharmacist_who_obtained_it_and_when(changes, blocked):
    facts = change(isotretinoin_dispense(), **changes)
    assert severities(facts, "ipledge.rma-obtained") == ([BLOCK] if blocked else [])
    assert passes(evaluate(facts)) is not blocked


def test_an_rma_obtained_after_the_dispense_moment_blocks():
    facts = isotretinoin_dispense()
    at_the_moment = change(facts, authorisation__obtained_at=facts.moment)
    assert severities(at_the_moment, "ipledge.rma-obtained") == []
    later = change(facts, authorisation__obtained_at=facts.moment + timedelta(seconds=1))
    assert severities(later, "ipledge.rma-obtained") == [BLOCK]


@pytest.mark.parametrize("stage", [Stage.VERIFY, Stage.CHECKOUT])
def test_who_obtained_the_rma_is_asked_only_at_dispense(stage):
    facts = change(isotretinoin_dispense(stage=stage), authorisation__obtained_by=None, authorisation__obtained_at=None)
    assert severities(facts, "ipledge.rma-obtained") == []


# ------------------------------------ the product dispensed, at dispense


@pytest.mark.parametrize(
    "written, blocked",
    [("20 mg", False), ("20mg", False), ("20.0 MG", False), ("20.5 mg", True), ("2 mg", True), ("200 mg", True)],
)
def test_the_dispensed_strength_is_the_written_strength(written, blocked):
    facts = change(isotretinoin_dispense(), prescription__strength=written)
    assert severities(facts, "product.strength") == ([BLOCK] if blocked else [])
