"""iPLEDGE REMS rules (RULES.md 1.1-1.11), at their boundaries."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest

from compliance.core import DEFAULT_CONFIG, Certification, Severity, Stage, evaluate, get_programme, passes
from compliance.core.programmes import ipledge

from .builders import change, et, isotretinoin_dispense, pharmacy, rule_ids, utc

BLOCK, WARN = Severity.BLOCK, Severity.WARN
WINDOW = "ipledge.dispense-window"
DELIVERY = "ipledge.mail-order-delivery"


def findings_of(facts, rule_id):
    return [f for f in evaluate(facts) if f.rule_id == rule_id]


def test_a_complete_isotretinoin_dispense_passes_every_rule():
    assert evaluate(isotretinoin_dispense()) == ()


# ------------------------------------------------------------ 1.5 window


@pytest.mark.parametrize(
    "moment, window_day, allowed",
    [
        (et(2026, 3, 2, 9, 0), 1, True),  # specimen collected: Day 1
        (et(2026, 3, 8, 12, 0), 7, True),  # specimen + 6: the last day
        (et(2026, 3, 9, 12, 0), 8, False),
    ],
)
def test_isotretinoin_can_be_dispensed_through_day_7_of_the_window(moment, window_day, allowed):
    # Specimen 2026-03-02 -> iPLEDGE's do-not-dispense-after date is 2026-03-08.
    assert ipledge.estimated_last_day("can", date(2026, 3, 2)) == date(2026, 3, 8)
    facts = change(isotretinoin_dispense(moment=moment), prescription__date_written=date(2026, 3, 2))
    assert passes(evaluate(facts)) is allowed, window_day


def test_isotretinoin_cannot_be_dispensed_on_day_8():
    [finding] = findings_of(isotretinoin_dispense(moment=et(2026, 3, 9, 9, 0)), WINDOW)
    assert finding.severity is BLOCK
    assert "2026-03-08" in finding.pharmacist_message
    assert "reverse the RMA" in finding.pharmacist_message
    assert finding.source == "iPLEDGE REMS Program, Pharmacy Guide: do not dispense after date; RMA reversal"


@pytest.mark.parametrize(
    "moment, allowed",
    [
        (et(2026, 3, 8, 23, 59), True),  # 11:59 pm ET on the last day
        (et(2026, 3, 9, 0, 0), False),  # midnight ET: the window has closed
        (utc(2026, 3, 9, 3, 30), True),  # 03:30Z is 23:30 EDT on 03-08 in New York
        (utc(2026, 3, 9, 3, 59), True),
        (utc(2026, 3, 9, 4, 0), False),  # 04:00Z is 00:00 EDT on 03-09
    ],
)
def test_the_window_closes_at_midnight_eastern_time(moment, allowed):
    assert bool(findings_of(isotretinoin_dispense(moment=moment), WINDOW)) is not allowed


@pytest.mark.parametrize(
    "dnd, moment, allowed",
    [
        # US DST starts 2026-03-08 02:00 ET: a window opened in EST ends in EDT (UTC-4).
        (date(2026, 3, 8), utc(2026, 3, 9, 3, 59), True),
        (date(2026, 3, 8), utc(2026, 3, 9, 4, 0), False),
        # DST ends 2026-11-01 02:00 ET: a window opened in EDT ends in EST (UTC-5).
        (date(2026, 11, 1), utc(2026, 11, 2, 4, 30), True),  # 23:30 EST on 11-01 (would be 00:30 in EDT)
        (date(2026, 11, 1), utc(2026, 11, 2, 4, 59), True),
        (date(2026, 11, 1), utc(2026, 11, 2, 5, 0), False),  # 00:00 EST on 11-02
    ],
)
def test_a_window_crossing_a_daylight_saving_change_closes_at_local_midnight(dnd, moment, allowed):
    facts = change(
        isotretinoin_dispense(moment=moment),
        authorisation__do_not_dispense_after=dnd,
        prescription__date_written=dnd - timedelta(days=6),
        promised_delivery_on=dnd,
    )
    assert bool(findings_of(facts, WINDOW)) is not allowed


def test_the_do_not_dispense_after_date_is_used_as_given_never_recomputed():
    # An RMA whose date is later than specimen + 6 is iPLEDGE's call, not ours.
    facts = change(
        isotretinoin_dispense(moment=et(2026, 3, 10)),
        authorisation__do_not_dispense_after=date(2026, 3, 10),
        promised_delivery_on=date(2026, 3, 10),
    )
    assert not findings_of(facts, WINDOW)


@pytest.mark.parametrize("stage, severity", [(Stage.VERIFY, WARN), (Stage.CHECKOUT, BLOCK), (Stage.DISPENSE, BLOCK)])
def test_an_rma_past_its_date_warns_at_verification_and_blocks_checkout_and_dispense(stage, severity):
    [finding] = findings_of(isotretinoin_dispense(stage=stage, moment=et(2026, 3, 9)), WINDOW)
    assert finding.severity is severity


def test_an_rma_without_a_do_not_dispense_after_date_blocks_dispensing():
    facts = change(isotretinoin_dispense(), authorisation__do_not_dispense_after=None)
    [finding] = findings_of(facts, WINDOW)
    assert finding.severity is BLOCK and "never compute it" in finding.pharmacist_message


# --------------------------------------------- mail order (1.5, undecided)


@pytest.mark.parametrize(
    "delivery, expected",
    [
        (date(2026, 3, 8), None),  # promised on the last day
        (date(2026, 3, 9), BLOCK),  # promised the day after
        (None, WARN),  # unknown at dispense: pharmacist decides
    ],
)
def test_mail_order_ships_only_if_promised_delivery_is_on_or_before_the_rma_date(delivery, expected):
    found = findings_of(isotretinoin_dispense(promised_delivery_on=delivery), DELIVERY)
    assert [f.severity for f in found] == ([] if expected is None else [expected])


def test_a_late_promised_delivery_blocks_at_checkout_too():
    facts = isotretinoin_dispense(stage=Stage.CHECKOUT, promised_delivery_on=date(2026, 3, 9))
    assert [f.severity for f in findings_of(facts, DELIVERY)] == [BLOCK]
    assert not findings_of(facts, WINDOW)  # the window is open: a faster parcel mends it


@pytest.mark.parametrize(
    "moment, delivery, expected",
    [
        (et(2026, 3, 6, 10, 0), date(2026, 3, 8), []),  # leaves on the 6th, promised on the last day
        (et(2026, 3, 6, 10, 0), date(2026, 3, 9), [(DELIVERY, BLOCK)]),  # promised the day after
        (et(2026, 3, 6, 10, 0), None, [(DELIVERY, WARN)]),  # no promise on file
        (et(2026, 3, 9, 10, 0), date(2026, 3, 10), [(WINDOW, BLOCK)]),  # the window closed since the dispense
    ],
)
def test_at_ship_the_parcels_promised_delivery_is_checked_against_the_rma_date(moment, delivery, expected):
    facts = isotretinoin_dispense(stage=Stage.SHIP, moment=moment, promised_delivery_on=delivery)
    assert [(f.rule_id, f.severity) for f in evaluate(facts)] == expected


def test_at_ship_only_the_delivery_date_is_judged_again():
    """The medicine was judged at DISPENSE: what fails there (no Medication Guide, no RMA
    obtained by anyone, a quantity the RMA does not authorise) is not asked again at SHIP."""
    facts = change(
        isotretinoin_dispense(stage=Stage.SHIP, medication_guide_recorded=False, prescription_verified=False),
        authorisation__obtained_by=None,
        authorisation__quantity=40,
    )
    assert evaluate(facts) == ()


# ------------------------------------------------------- 1.2 RMA by stage


@pytest.mark.parametrize(
    "stage, blocked",
    [(Stage.VERIFY, False), (Stage.CHECKOUT, False), (Stage.DISPENSE, True)],
)
def test_a_missing_rma_blocks_only_the_dispense(stage, blocked):
    facts = isotretinoin_dispense(stage=stage, authorisation=None)
    found = evaluate(facts)
    assert ("ipledge.rma" in rule_ids(found, BLOCK)) is blocked
    assert passes(found) is not blocked


def test_an_rma_with_an_empty_number_counts_as_missing():
    assert "ipledge.rma" in rule_ids(evaluate(change(isotretinoin_dispense(), authorisation__number=" ")), BLOCK)


def test_an_authorisation_of_another_programme_is_not_an_rma():
    facts = change(isotretinoin_dispense(), authorisation__programme="lenalidomide")
    assert "ipledge.rma" in rule_ids(evaluate(facts), BLOCK)


@pytest.mark.parametrize(
    "field, value",
    [("quantity", 40), ("days_supply", 28), ("quantity", None), ("days_supply", None)],
)
def test_an_rma_must_match_the_quantity_and_days_supply_dispensed(field, value):
    facts = change(isotretinoin_dispense(), **{f"authorisation__{field}": value})
    [finding] = findings_of(facts, "ipledge.rma-matches")
    assert finding.severity is BLOCK
    assert "reverse the RMA" in finding.pharmacist_message


def test_an_rma_without_quantities_is_not_blocked_before_dispense():
    facts = change(isotretinoin_dispense(stage=Stage.VERIFY), authorisation__quantity=None)
    assert not findings_of(facts, "ipledge.rma-matches")


# --------------------------------------------------------- 1.4 category


@pytest.mark.parametrize(
    "from_rx, from_rma, blocked",
    [
        ("can", "can", False),
        ("cannot", "cannot", False),
        (None, "cannot", False),
        ("can", None, False),
        ("can", "cannot", True),  # prescriber and RMA disagree
        ("maybe", "can", True),  # not a category since 13 Dec 2021
        (None, "female of reproductive potential", True),
    ],
)
def test_the_risk_category_comes_from_the_prescriber_and_the_rma(from_rx, from_rma, blocked):
    facts = change(isotretinoin_dispense(), prescription__risk_category=from_rx, authorisation__risk_category=from_rma)
    assert bool(findings_of(facts, "ipledge.risk-category")) is blocked


def test_the_customer_has_no_way_to_state_a_risk_category():
    from compliance.core import AccountHolder, Patient

    for cls in (Patient, AccountHolder):
        assert not {f.name for f in dataclasses.fields(cls)} & {"risk_category", "can_get_pregnant", "sex"}


# ------------------------------------------------------------ 1.7 supply


@pytest.mark.parametrize("days, blocked", [(29, False), (30, False), (31, True)])
def test_isotretinoin_supply_is_capped_at_30_days(days, blocked):
    facts = change(isotretinoin_dispense(), prescription__days_supply=days, authorisation__days_supply=days)
    assert ("ipledge.supply-cap" in rule_ids(evaluate(facts), BLOCK)) is blocked


def test_isotretinoin_needs_a_recorded_days_supply():
    facts = change(isotretinoin_dispense(stage=Stage.VERIFY, authorisation=None), prescription__days_supply=None)
    assert "ipledge.supply-cap" in rule_ids(evaluate(facts), BLOCK)


@pytest.mark.parametrize("refills, blocked", [(0, False), (1, True), (11, True)])
def test_isotretinoin_prescriptions_have_no_refills(refills, blocked):
    facts = change(isotretinoin_dispense(stage=Stage.VERIFY), prescription__refills=refills)
    assert ("ipledge.no-refills" in rule_ids(evaluate(facts), BLOCK)) is blocked


@pytest.mark.parametrize("quantity, warned", [(30, False), (60, False), (100, False), (45, True), (28, True)])
def test_a_quantity_that_breaks_a_blister_is_a_warning(quantity, warned):
    facts = change(isotretinoin_dispense(), prescription__quantity=quantity, authorisation__quantity=quantity)
    assert ("ipledge.blister-pack" in rule_ids(evaluate(facts), WARN)) is warned


# -------------------------------------------------- 1.8 Medication Guide


@pytest.mark.parametrize(
    "stage, recorded, blocked",
    [
        (Stage.DISPENSE, False, True),
        (Stage.DISPENSE, True, False),
        (Stage.VERIFY, False, False),
        (Stage.CHECKOUT, False, False),
    ],
)
def test_the_medication_guide_is_required_at_dispense(stage, recorded, blocked):
    facts = isotretinoin_dispense(stage=stage, medication_guide_recorded=recorded)
    found = evaluate(facts)
    assert ("ipledge.medication-guide" in rule_ids(found, BLOCK)) is blocked
    assert "rx.medication-guide" not in rule_ids(found)  # one finding, not two


# ----------------------------------------------------------- 1.10 age


@pytest.mark.parametrize(
    "born, warned",
    [(date(2014, 3, 5), False), (date(2014, 3, 6), True)],  # 12th birthday on the day vs tomorrow
)
def test_a_patient_under_12_is_a_warning(born, warned):
    facts = change(isotretinoin_dispense(), patient__date_of_birth=born)
    found = evaluate(facts)
    assert ("ipledge.minimum-age" in rule_ids(found, WARN)) is warned
    assert "online.patient-minimum-age" not in rule_ids(found)


# ----------------------------------------------------- 1.1 certification


def _cert(**changes):
    base = Certification(
        programme="ipledge",
        activated_on=date(2025, 9, 1),
        reactivation_due=date(2026, 9, 1),
        responsible_pharmacist="Dana Whitfield, PharmD",
    )
    return dataclasses.replace(base, **changes)


@pytest.mark.parametrize(
    "certification, moment, expected",
    [
        (_cert(), et(2026, 3, 5), None),
        (_cert(), et(2026, 8, 1), None),  # 31 days before due
        (_cert(), et(2026, 8, 2), WARN),  # 30 days before due
        (_cert(), et(2026, 9, 1, 23, 59), WARN),  # due date: still activated
        (_cert(), et(2026, 9, 2, 0, 0), BLOCK),  # past reactivation
        (_cert(activated_on=date(2026, 3, 6)), et(2026, 3, 5), BLOCK),  # not yet activated
        (_cert(responsible_pharmacist=""), et(2026, 3, 5), BLOCK),
        (None, et(2026, 3, 5), BLOCK),
    ],
)
def test_isotretinoin_is_sold_only_while_the_pharmacy_is_activated(certification, moment, expected):
    certs = () if certification is None else (certification,)
    facts = isotretinoin_dispense(moment=moment, pharmacy=pharmacy(certifications=certs))
    # Keep only the certification rule in view: the RMA dates are not the point here.
    found = findings_of(change(facts, authorisation=None, stage=Stage.VERIFY), "ipledge.pharmacy-activated")
    assert [f.severity for f in found] == ([] if expected is None else [expected])


def test_an_unactivated_pharmacy_blocks_isotretinoin_at_checkout():
    facts = isotretinoin_dispense(stage=Stage.CHECKOUT, pharmacy=pharmacy(certifications=()))
    assert "ipledge.pharmacy-activated" in rule_ids(evaluate(facts), BLOCK)


def test_the_reactivation_warning_is_for_the_pharmacist_not_at_checkout():
    facts = isotretinoin_dispense(
        stage=Stage.CHECKOUT, moment=et(2026, 8, 20), pharmacy=pharmacy(certifications=(_cert(),)), authorisation=None
    )
    assert not findings_of(facts, "ipledge.pharmacy-activated")


# -------------------------------------------- 1.11 the 2026 modification


def _cannot_rma_without_date(moment):
    return change(
        isotretinoin_dispense(moment=moment, promised_delivery_on=None),
        prescription__risk_category="cannot",
        authorisation__risk_category="cannot",
        authorisation__do_not_dispense_after=None,
        prescription__date_written=date(2026, 8, 1),
    )


@pytest.mark.parametrize(
    "moment, blocked",
    [
        (et(2026, 8, 7, 23, 59), True),  # current REMS: "cannot" still has a 30-day window
        (et(2026, 8, 8, 0, 0), False),  # modification in force: no window
    ],
)
def test_the_cannot_get_pregnant_window_ends_with_the_2026_modification(moment, blocked):
    found = findings_of(_cannot_rma_without_date(moment), WINDOW)
    assert bool([f for f in found if f.severity is BLOCK]) is blocked


@pytest.mark.parametrize(
    "effective, moment, severities",
    [
        (date(2026, 8, 8), et(2026, 8, 7, 23, 59), [BLOCK]),  # the day before: the date is required
        (date(2026, 8, 8), et(2026, 8, 8, 0, 0), [WARN]),  # the effective date: no window, but look
        (date(2026, 11, 15), et(2026, 11, 14, 12, 0), [BLOCK]),  # IPLEDGE_MOD_2026_EFFECTIVE moved
        (date(2026, 11, 15), et(2026, 11, 15, 12, 0), [WARN]),
    ],
)
def test_cannot_get_pregnant_without_a_date_is_never_silent(effective, moment, severities):
    """After the modification a "cannot" RMA may carry no date, but the
    pharmacist is still told to confirm it in iPLEDGE (never to compute one)."""
    config = ipledge.with_mod_2026_effective(effective)
    found = [f for f in evaluate(_cannot_rma_without_date(moment), config=config) if f.rule_id == WINDOW]
    assert [f.severity for f in found] == severities
    if severities == [WARN]:
        assert "confirm in iPLEDGE REMS" in found[0].pharmacist_message
        assert "never compute" in found[0].pharmacist_message


def test_the_can_get_pregnant_window_stays_after_the_2026_modification():
    facts = change(
        _cannot_rma_without_date(et(2026, 9, 1)), authorisation__risk_category="can", prescription__risk_category="can"
    )
    assert [f.severity for f in findings_of(facts, WINDOW)] == [BLOCK]


def test_a_date_given_by_iPLEDGE_after_the_modification_is_still_enforced():
    facts = change(_cannot_rma_without_date(et(2026, 9, 20)), authorisation__do_not_dispense_after=date(2026, 9, 19))
    assert [f.severity for f in findings_of(facts, WINDOW)] == [BLOCK]


@pytest.mark.parametrize(
    "on, label",
    [
        (date(2026, 2, 9), ipledge.CURRENT.label),  # approved, not yet effective
        (date(2026, 8, 7), ipledge.CURRENT.label),
        (date(2026, 8, 8), ipledge.MOD_2026_VERSION.label),
    ],
)
def test_the_version_in_force_is_chosen_by_the_evaluation_date(on, label):
    assert get_programme("ipledge", on).label == label


def test_the_effective_date_is_configuration():
    later = ipledge.with_mod_2026_effective(date(2026, 11, 15))
    assert later.effective_dates == {ipledge.MOD_2026: date(2026, 11, 15)} and DEFAULT_CONFIG.effective_dates == {}
    facts = _cannot_rma_without_date(et(2026, 9, 1))
    assert passes(evaluate(facts))
    assert not passes(evaluate(facts, config=later))
    assert get_programme("ipledge", date(2026, 11, 14), config=later).label == ipledge.CURRENT.label
    assert get_programme("ipledge", date(2026, 11, 15), config=later).label == ipledge.MOD_2026_VERSION.label


def test_the_version_date_is_a_new_york_date():
    # 2026-08-08 02:00Z is still 2026-08-07 in New York: the current REMS applies.
    assert not passes(evaluate(_cannot_rma_without_date(utc(2026, 8, 8, 2, 0))))
    assert passes(evaluate(_cannot_rma_without_date(utc(2026, 8, 8, 4, 0))))


# ----------------------------------- own estimates (customer messages only)


@pytest.mark.parametrize(
    "category, opened, expected",
    [
        ("can", date(2026, 3, 2), date(2026, 3, 8)),
        ("cannot", date(2026, 3, 2), date(2026, 3, 31)),  # visit + 29
        ("cannot", date(2026, 8, 8), None),  # no window after the modification
        ("can", date(2026, 8, 8), date(2026, 8, 14)),
    ],
)
def test_estimated_last_day_for_customer_messages(category, opened, expected):
    assert ipledge.estimated_last_day(category, opened) == expected


def test_estimated_last_day_rejects_an_unknown_category():
    with pytest.raises(ValueError):
        ipledge.estimated_last_day("unknown", date(2026, 3, 2))


@pytest.mark.parametrize(
    "first, on, expected",
    [
        (True, date(2026, 3, 10), date(2026, 3, 21)),  # 19 days after the 03-02 test
        (True, date(2026, 3, 25), date(2026, 3, 25)),
        (False, date(2026, 3, 10), date(2026, 3, 10)),  # a later window: a new test at once
        (True, date(2026, 8, 8), date(2026, 8, 8)),  # lockout removed by the modification
    ],
)
def test_the_19_day_lockout_after_a_missed_first_window(first, on, expected):
    assert ipledge.earliest_new_pregnancy_test(date(2026, 3, 2), first_prescription=first, on=on) == expected


# ---------------------------------------------------------- 1.9 reversal


def test_rmas_not_dispensed_are_flagged_for_reversal_after_their_date():
    R = ipledge.RmaRecord
    records = [
        R(number="A", do_not_dispense_after=date(2026, 3, 8)),  # window missed
        R(number="B", do_not_dispense_after=date(2026, 3, 9)),  # still open
        R(number="C", do_not_dispense_after=date(2026, 3, 1), dispensed_on=date(2026, 3, 1)),  # dispensed
        R(number="D", do_not_dispense_after=date(2026, 3, 1), reversed_on=date(2026, 3, 2)),  # reversed
        R(number="E", do_not_dispense_after=date(2026, 3, 20), cancelled=True),  # order cancelled
        R(number="F", do_not_dispense_after=None),  # no window
        R(number="G", do_not_dispense_after=None, cancelled=True),
    ]
    assert [r.number for r in ipledge.rmas_due_for_reversal(records, date(2026, 3, 9))] == ["A", "E", "G"]


@pytest.mark.parametrize("moment, due", [(utc(2026, 3, 9, 3, 59), False), (utc(2026, 3, 9, 4, 0), True)])
def test_reversal_uses_the_new_york_date_of_an_instant(moment, due):
    record = ipledge.RmaRecord(number="A", do_not_dispense_after=date(2026, 3, 8))
    assert bool(ipledge.rmas_due_for_reversal([record], moment)) is due


def test_reversal_accepts_any_record_with_the_fields():
    class Row:
        number, do_not_dispense_after, dispensed_on, reversed_on, cancelled = "X", date(2026, 1, 1), None, None, False

    assert ipledge.rmas_due_for_reversal([Row()], date(2026, 1, 2))[0].number == "X"
