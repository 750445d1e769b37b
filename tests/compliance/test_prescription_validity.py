"""General prescription validity (RULES.md 2.1, 2.2, 2.5)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from compliance.core import ALL_STAGES, Drug, Licence, PharmacyFacts, Severity, Stage, evaluate, passes
from compliance.core.facts import NEVER_COMPLETED_BY_PHARMACIST, PRESCRIPTION_ELEMENTS

from .builders import (
    ALPRAZOLAM,
    OXYCODONE,
    change,
    controlled_dispense,
    doxycycline_dispense,
    et,
    pharmacy,
    rule_ids,
    utc,
)

BLOCK, WARN = Severity.BLOCK, Severity.WARN


def only(facts, rule_id):
    return [f for f in evaluate(facts) if f.rule_id == rule_id]


# ----------------------------------------------------------- 2.1 elements

BLANKS = {
    "patient_name": {"patient__full_name": " "},
    "patient_address": {"patient__address_line": ""},
    "patient_date_of_birth": {"patient__date_of_birth": None},
    "prescriber_name": {"prescriber__name": ""},
    "prescriber_address": {"prescriber__address": ""},
    "prescriber_npi": {"prescriber__npi": None},
    "drug_name": {"prescription__drug_name": ""},
    "strength": {"prescription__strength": ""},
    "dosage_form": {"prescription__dosage_form": ""},
    "quantity": {"prescription__quantity": None},
    "directions": {"prescription__directions": ""},
    "refills": {"prescription__refills": None},
    "date_written": {"prescription__date_written": None},
    "signature": {"prescription__signed": False},
}


def test_every_element_has_a_blank_case():
    assert set(BLANKS) | {"prescriber_dea_number"} == PRESCRIPTION_ELEMENTS


@pytest.mark.parametrize("element", sorted(BLANKS))
@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_a_prescription_missing_an_element_is_blocked(element, stage):
    facts = change(doxycycline_dispense(stage=stage), **BLANKS[element])
    [finding] = only(facts, "rx.required-elements")
    assert finding.severity is BLOCK
    needs_new = element in NEVER_COMPLETED_BY_PHARMACIST
    assert ("a new prescription is needed" in finding.pharmacist_message) is needs_new
    assert ("contact the prescriber" in finding.pharmacist_message) is not needs_new


@pytest.mark.parametrize("quantity", [0, -10])
def test_a_quantity_of_zero_or_less_is_missing(quantity):
    assert only(change(doxycycline_dispense(), prescription__quantity=quantity), "rx.required-elements")


def test_a_missing_patient_is_three_missing_elements():
    [finding] = only(doxycycline_dispense(patient=None), "rx.required-elements")
    assert "patient's full name" in finding.pharmacist_message and "new prescription" in finding.pharmacist_message


@pytest.mark.parametrize(
    "completed, note, blocked",
    [
        ({"strength"}, "Called Dr Smith 2026-03-05 10:12, confirmed 100 mg", False),
        ({"patient_address", "directions"}, "Called the office, confirmed", False),
        ({"strength"}, "", True),  # no record of the call
        ({"drug_name"}, "Called Dr Smith", True),  # never completed by the pharmacist
        ({"patient_name"}, "Called Dr Smith", True),
        ({"signature"}, "Called Dr Smith", True),
    ],
)
def test_a_pharmacist_may_complete_an_element_after_calling_the_prescriber_but_never_drug_patient_or_signature(
    completed, note, blocked
):
    facts = change(
        doxycycline_dispense(),
        prescription__completed_by_pharmacist=frozenset(completed),
        prescription__completion_note=note,
    )
    assert bool(only(facts, "rx.required-elements")) is blocked


def test_only_known_elements_can_be_marked_as_completed():
    with pytest.raises(ValueError):
        change(doxycycline_dispense(), prescription__completed_by_pharmacist=frozenset({"colour"}))


@pytest.mark.parametrize(
    "drug, electronic, epcs, blocked",
    [
        (OXYCODONE, True, False, True),
        (OXYCODONE, True, True, False),
        (OXYCODONE, False, False, False),  # paper, wet signature
        (None, True, False, False),  # not controlled
    ],
)
def test_an_electronic_prescription_for_a_controlled_drug_must_be_epcs(drug, electronic, epcs, blocked):
    facts = controlled_dispense() if drug else doxycycline_dispense()
    facts = change(facts, prescription__electronic=electronic, prescription__epcs=epcs)
    assert bool(only(facts, "rx.signature")) is blocked


# -------------------------------------------------------- 2.2 date of issue


@pytest.mark.parametrize(
    "written, moment, blocked",
    [
        (date(2026, 3, 5), et(2026, 3, 5, 0, 1), False),
        (date(2026, 3, 6), et(2026, 3, 5, 23, 59), True),
        (date(2026, 3, 6), utc(2026, 3, 6, 3, 0), True),  # 22:00 ET on 03-05
        (date(2026, 3, 6), utc(2026, 3, 6, 5, 0), False),  # 00:00 ET on 03-06
    ],
)
def test_a_post_dated_prescription_is_blocked(written, moment, blocked):
    facts = change(doxycycline_dispense(moment=moment), prescription__date_written=written)
    assert bool(only(facts, "rx.date-of-issue")) is blocked


# ------------------------------------------------------------ 2.2 expiry


def _pharmacy_in(*states, resident=None):
    return PharmacyFacts(
        licences=tuple(
            Licence(
                state=s,
                kind="resident" if s == resident else "non_resident",
                number=f"{s}-1",
                expires_on=date(2030, 1, 1),
            )
            for s in states
        )
    )


def _in_state(facts, state, resident=None):
    return change(
        facts,
        ship_to_state=state,
        patient__state=state,
        pharmacy=dataclasses.replace(
            _pharmacy_in(state, resident=resident),
            online_controlled_registered=facts.pharmacy.online_controlled_registered,
        ),
    )


@pytest.mark.parametrize(
    "name, facts_for, written, last_valid_day",
    [
        ("non-controlled, default 365 days", doxycycline_dispense, date(2026, 1, 10), date(2027, 1, 10)),
        ("non-controlled over 29 Feb", doxycycline_dispense, date(2027, 3, 1), date(2028, 2, 29)),
        ("C-II, 6 months where the state is silent", controlled_dispense, date(2026, 1, 31), date(2026, 7, 31)),
        (
            "C-IV, 6 calendar months",
            lambda **k: controlled_dispense(ALPRAZOLAM, **k),
            date(2026, 8, 31),
            date(2027, 2, 28),
        ),
        (
            "C-V, default 365 days",
            lambda **k: controlled_dispense(
                Drug(name="Pregabalin", strength="75 mg", dosage_form="capsule", dea_schedule=5), **k
            ),
            date(2026, 1, 10),
            date(2027, 1, 10),
        ),
    ],
)
def test_a_prescription_can_be_filled_on_its_last_valid_day_and_not_the_day_after(
    name, facts_for, written, last_valid_day
):
    def at(day):
        facts = facts_for(moment=et(day.year, day.month, day.day, 12))
        return change(facts, prescription__date_written=written, prescription__refills=0)

    assert not only(at(last_valid_day), "rx.expiry"), name
    [finding] = only(at(last_valid_day.fromordinal(last_valid_day.toordinal() + 1)), "rx.expiry")
    assert finding.severity is BLOCK and last_valid_day.isoformat() in finding.pharmacist_message


@pytest.mark.parametrize(
    "state, written, on, blocked",
    [
        ("HI", date(2026, 3, 1), et(2026, 3, 8), False),  # C-II in Hawaii: 7 days
        ("HI", date(2026, 3, 1), et(2026, 3, 9), True),
        ("VA", date(2026, 3, 1), et(2026, 9, 1), False),  # Virginia: 6 months
        ("VA", date(2026, 3, 1), et(2026, 9, 2), True),
    ],
)
def test_schedule_ii_expiry_follows_the_state_table(state, written, on, blocked):
    facts = _in_state(controlled_dispense(moment=on), state, resident=state)
    facts = change(facts, prescription__date_written=written)
    assert bool(only(facts, "rx.expiry")) is blocked


def test_a_state_with_no_expiry_for_non_controlled_prescriptions():
    # North Carolina sets none; with only NC involved, an old prescription is still valid.
    facts = _in_state(doxycycline_dispense(moment=et(2026, 3, 5)), "NC", resident="NC")
    facts = change(facts, prescription__date_written=date(2020, 1, 1))
    assert not only(facts, "rx.expiry")


def test_the_strictest_applicable_state_wins():
    # Shipping to NC from a New York pharmacy: New York's default year applies.
    facts = change(
        doxycycline_dispense(moment=et(2027, 3, 5)),
        ship_to_state="NC",
        patient__state="NC",
        prescription__date_written=date(2026, 1, 1),
        pharmacy=pharmacy(licences=_pharmacy_in("NC").licences + pharmacy().licences),
    )
    assert only(facts, "rx.expiry")


def test_the_expiry_table_is_configuration():
    from compliance.core import DEFAULT_CONFIG, days

    shorter = dataclasses.replace(
        DEFAULT_CONFIG, expiry_by_state={**DEFAULT_CONFIG.expiry_by_state, ("non_controlled", "NY"): days(90)}
    )
    facts = change(doxycycline_dispense(moment=et(2026, 6, 1)), prescription__date_written=date(2026, 3, 1))
    assert passes(evaluate(facts))
    assert "rx.expiry" in rule_ids(evaluate(facts, config=shorter), BLOCK)


# ----------------------------------------------------------- 2.2 refills


@pytest.mark.parametrize(
    "drug, refills, blocked",
    [(OXYCODONE, 0, False), (OXYCODONE, 1, True), (ALPRAZOLAM, 5, False), (ALPRAZOLAM, 6, True)],
)
def test_schedule_ii_has_no_refills_and_schedule_iii_iv_at_most_five(drug, refills, blocked):
    facts = change(controlled_dispense(drug, stage=Stage.VERIFY), prescription__refills=refills)
    assert bool(only(facts, "rx.refills")) is blocked


@pytest.mark.parametrize(
    "stage, fills_so_far, blocked",
    [
        (Stage.DISPENSE, 2, False),  # refills 2: the third fill
        (Stage.DISPENSE, 3, True),  # all three fills used
        (Stage.CHECKOUT, 3, True),
        (Stage.VERIFY, 3, False),  # verification does not count fills
    ],
)
def test_a_prescription_whose_refills_are_used_up_cannot_be_filled(stage, fills_so_far, blocked):
    facts = doxycycline_dispense(stage=stage, fills_so_far=fills_so_far)
    assert bool(only(facts, "rx.refills")) is blocked


@pytest.mark.parametrize(
    "stage, moment, blocked",
    [
        (Stage.DISPENSE, et(2026, 3, 5, 23, 59), True),
        (Stage.DISPENSE, et(2026, 3, 6, 0, 0), False),
        (Stage.CHECKOUT, et(2026, 3, 5), False),  # payment may be authorised; the fill waits
    ],
)
def test_a_schedule_ii_is_not_dispensed_before_its_earliest_fill_date(stage, moment, blocked):
    facts = change(controlled_dispense(stage=stage, moment=moment), prescription__earliest_fill_date=date(2026, 3, 6))
    assert bool(only(facts, "rx.earliest-fill-date")) is blocked


# ------------------------------------------------------- 2.5 days' supply


@pytest.mark.parametrize(
    "facts_for, days, blocked",
    [
        (controlled_dispense, 30, False),
        (controlled_dispense, 31, True),  # New York caps controlled fills at 30 days
        (controlled_dispense, None, True),
        (doxycycline_dispense, 90, False),  # no state cap for a drug that is not controlled
        (doxycycline_dispense, 0, True),
    ],
)
def test_days_supply_stays_within_the_state_cap(facts_for, days, blocked):
    facts = change(facts_for(), prescription__days_supply=days)
    assert bool(only(facts, "rx.days-supply")) is blocked


def test_a_controlled_fill_outside_any_capped_state_is_not_capped():
    facts = _in_state(controlled_dispense(), "TX", resident="TX")
    assert not only(change(facts, prescription__days_supply=60), "rx.days-supply")


@pytest.mark.parametrize(
    "moment, warned",
    [
        (et(2026, 3, 8), True),  # 7 days into a 10-day supply: under 75 %
        (et(2026, 3, 9), False),  # 8 days: at or over 75 %
    ],
)
def test_a_refill_too_soon_is_a_warning(moment, warned):
    facts = change(
        doxycycline_dispense(moment=moment, fills_so_far=1),
        prescription__last_fill_on=date(2026, 3, 1),
        prescription__last_fill_days_supply=10,
    )
    found = only(facts, "rx.refill-too-soon")
    assert [f.severity for f in found] == ([WARN] if warned else [])


# ------------------------------------------------------ Medication Guide


@pytest.mark.parametrize("recorded, blocked", [(False, True), (True, False)])
def test_a_drug_with_a_medication_guide_ships_with_it(recorded, blocked):
    drug = dataclasses.replace(doxycycline_dispense().drug, medication_guide_required=True)
    facts = doxycycline_dispense(drug=drug, medication_guide_recorded=recorded)
    assert bool(only(facts, "rx.medication-guide")) is blocked


def test_the_last_day_to_fill_is_the_expiry_or_the_rmas_date_whichever_is_first():
    from compliance.core.prescription_rules import last_day_to_fill

    from .builders import isotretinoin_dispense

    facts = isotretinoin_dispense()  # written 2026-03-02, RMA "do not dispense after" 2026-03-08
    assert last_day_to_fill(facts) == date(2026, 3, 8)
    assert last_day_to_fill(change(facts, authorisation=None)) == date(2027, 3, 2)  # 365 days, non-controlled
    assert last_day_to_fill(change(facts, prescription__date_written=None)) is None
