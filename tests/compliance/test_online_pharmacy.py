"""Online-pharmacy rules (RULES.md 3.1, 3.2, 3.3, 3.7)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from compliance.core import ALL_STAGES, Drug, Licence, Severity, Stage, evaluate, passes
from compliance.core.online_rules import is_controlled, sold_online

from .builders import (
    ALPRAZOLAM,
    LIP_BALM,
    OXYCODONE,
    change,
    controlled_dispense,
    doxycycline_dispense,
    et,
    isotretinoin_dispense,
    pharmacy,
    rule_ids,
)

BLOCK, WARN = Severity.BLOCK, Severity.WARN


def only(facts, rule_id):
    return [f for f in evaluate(facts) if f.rule_id == rule_id]


# ------------------------------------------------------------ 3.1 Rx only


@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_a_prescription_drug_without_a_prescription_is_blocked_at_every_stage(stage):
    [finding] = only(doxycycline_dispense(stage=stage, prescription=None), "online.prescription-required")
    assert finding.severity is BLOCK
    assert "prescription" in finding.customer_message


@pytest.mark.parametrize(
    "stage, verified, blocked",
    [
        (Stage.VERIFY, False, False),  # being verified now
        (Stage.CHECKOUT, False, True),
        (Stage.CHECKOUT, True, False),
        (Stage.DISPENSE, False, True),
    ],
)
def test_a_prescription_drug_is_paid_for_and_dispensed_only_after_pharmacist_verification(stage, verified, blocked):
    facts = doxycycline_dispense(stage=stage, prescription_verified=verified)
    assert bool(only(facts, "online.pharmacist-verified")) is blocked


def test_an_otc_item_needs_no_prescription():
    facts = doxycycline_dispense(drug=LIP_BALM, prescription=None, stage=Stage.CHECKOUT, prescription_verified=False)
    assert passes(evaluate(facts))


# --------------------------------------------------- 3.2 ship-to licence


@pytest.mark.parametrize(
    "state, blocked",
    [("NY", False), ("nj", False), ("CA", False), ("MA", True), ("OH", True)],
)
@pytest.mark.parametrize("stage", [Stage.CHECKOUT, Stage.DISPENSE])
def test_prescription_drugs_ship_only_to_states_where_the_pharmacy_is_licensed(state, blocked, stage):
    facts = doxycycline_dispense(stage=stage, ship_to_state=state)
    found = only(facts, "online.ship-to-licence")
    assert bool(found) is blocked
    if blocked:
        assert state.upper() in found[0].customer_message


def test_the_customer_is_told_the_state_by_name_and_where_to_find_the_list():
    [finding] = only(doxycycline_dispense(stage=Stage.CHECKOUT, ship_to_state="ma"), "online.ship-to-licence")
    assert "Massachusetts (MA)" in finding.customer_message
    assert "listed at the bottom of every page" in finding.customer_message


def test_a_changed_address_after_verification_is_checked_again():
    verified = doxycycline_dispense(stage=Stage.VERIFY, ship_to_state="NY")
    assert passes(evaluate(verified))
    moved = dataclasses.replace(verified, stage=Stage.DISPENSE, ship_to_state="MA")
    assert "online.ship-to-licence" in rule_ids(evaluate(moved), BLOCK)


@pytest.mark.parametrize("stage, blocked", [(Stage.VERIFY, False), (Stage.CHECKOUT, True), (Stage.DISPENSE, True)])
def test_without_a_shipping_state_only_verification_can_go_on(stage, blocked):
    assert bool(only(doxycycline_dispense(stage=stage, ship_to_state=None), "online.ship-to-licence")) is blocked


def test_at_verification_a_given_address_is_checked():
    assert only(doxycycline_dispense(stage=Stage.VERIFY, ship_to_state="MA"), "online.ship-to-licence")


@pytest.mark.parametrize("moment, blocked", [(et(2027, 12, 31, 23, 59), False), (et(2028, 1, 1, 0, 0), True)])
def test_a_licence_is_valid_through_its_expiry_date(moment, blocked):
    facts = change(doxycycline_dispense(moment=moment), prescription__date_written=date(2027, 12, 1))
    found = only(facts, "online.ship-to-licence")
    assert bool(found) is blocked
    if blocked:
        assert "expired" in found[0].pharmacist_message


def test_a_massachusetts_non_resident_licence_is_not_accepted():
    bogus = Licence(state="MA", kind="non_resident", number="MA-1", expires_on=date(2030, 1, 1))
    facts = doxycycline_dispense(ship_to_state="MA", pharmacy=pharmacy(licences=pharmacy().licences + (bogus,)))
    [finding] = only(facts, "online.ship-to-licence")
    assert "issues none" in finding.pharmacist_message


def test_a_massachusetts_resident_licence_is_accepted():
    resident = Licence(state="MA", kind="resident", number="MA-1", expires_on=date(2030, 1, 1))
    facts = doxycycline_dispense(ship_to_state="MA", pharmacy=pharmacy(licences=(resident,)))
    assert not only(facts, "online.ship-to-licence")


def test_otc_items_are_not_held_to_pharmacy_licences():
    assert not only(doxycycline_dispense(drug=LIP_BALM, ship_to_state="MA"), "online.ship-to-licence")


# ------------------------------------------------ 3.3 controlled online


@pytest.mark.parametrize("drug", [OXYCODONE, ALPRAZOLAM])
@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_controlled_substances_are_blocked_online_until_the_pharmacy_is_registered(drug, stage):
    registered = controlled_dispense(drug, stage=stage)
    assert not only(registered, "online.controlled-substance")
    not_registered = dataclasses.replace(registered, pharmacy=pharmacy(online_controlled_registered=False))
    [finding] = only(not_registered, "online.controlled-substance")
    assert finding.severity is BLOCK


def test_schedule_i_is_never_dispensed():
    drug = Drug(name="Heroin", dea_schedule=1)
    assert only(controlled_dispense(drug), "online.controlled-substance")


@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_schedule_i_is_blocked_even_when_the_pharmacy_is_registered_for_online_controlled(stage):
    facts = controlled_dispense(Drug(name="Heroin", dea_schedule=1), stage=stage)
    assert facts.pharmacy.online_controlled_registered
    [finding] = only(facts, "online.controlled-substance")
    assert finding.severity is BLOCK and "Schedule I" in finding.pharmacist_message


@pytest.mark.parametrize(
    "schedule, registered, sold",
    [
        (None, False, True),
        (None, True, True),
        (1, False, False),
        (1, True, False),  # no accepted medical use: never, registered or not
        (2, False, False),
        (2, True, True),
        (3, False, False),
        (3, True, True),
        (4, False, False),
        (4, True, True),
        (5, False, False),
        (5, True, True),
        (0, True, False),
        (6, True, False),  # unreadable catalogue data: fail closed
    ],
)
def test_sold_online_is_the_one_answer_for_every_schedule(schedule, registered, sold):
    assert sold_online(schedule, registered_for_online_controlled=registered) is sold
    assert is_controlled(schedule) is (schedule is not None)


def test_a_schedule_outside_1_to_5_is_refused():
    with pytest.raises(ValueError):
        Drug(name="X", dea_schedule=6)


# ----------------------------------------------------------------- 3.7


@pytest.mark.parametrize(
    "born, blocked",
    [
        (date(2008, 3, 5), False),  # 18 today
        (date(2008, 3, 6), True),  # 18 tomorrow
    ],
)
def test_the_account_holder_must_be_18(born, blocked):
    facts = change(
        doxycycline_dispense(stage=Stage.CHECKOUT, moment=et(2026, 3, 5)), account_holder__date_of_birth=born
    )
    assert bool(only(facts, "online.account-holder-age")) is blocked


def test_a_leap_day_birthday_turns_18_on_1_march_in_a_common_year():
    def at(day):
        return change(
            doxycycline_dispense(moment=et(2026, 3, day) if day else et(2026, 2, 28)),
            account_holder__date_of_birth=date(2008, 2, 29),
        )

    assert only(at(None), "online.account-holder-age")
    assert not only(at(1), "online.account-holder-age")


@pytest.mark.parametrize("stage, blocked", [(Stage.VERIFY, False), (Stage.CHECKOUT, True), (Stage.DISPENSE, True)])
def test_checkout_needs_the_account_holders_date_of_birth(stage, blocked):
    facts = doxycycline_dispense(stage=stage, account_holder=None)
    assert bool(only(facts, "online.account-holder-age")) is blocked


@pytest.mark.parametrize("born, warned", [(date(2010, 3, 5), False), (date(2010, 3, 6), True)])
def test_a_patient_younger_than_the_products_minimum_age_is_a_warning(born, warned):
    drug = dataclasses.replace(doxycycline_dispense().drug, minimum_age=16)
    facts = change(doxycycline_dispense(drug=drug), patient__date_of_birth=born)
    found = only(facts, "online.patient-minimum-age")
    assert [f.severity for f in found] == ([WARN] if warned else [])


def test_a_minor_patient_ordered_by_a_guardian_is_fine():
    facts = change(isotretinoin_dispense(), patient__date_of_birth=date(2012, 1, 1))  # 14
    assert passes(evaluate(facts))
