"""Refills in the core: the earliest refill date by schedule, the programme's and Schedule II's
"no refills", expiry, fills held by open orders; the checkout rule agrees with the button."""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import Config, Stage, evaluate
from compliance.core.findings import Severity
from compliance.core.refills import RefillFacts, RefillState, earliest_refill_date, refill_status

from .builders import ALPRAZOLAM, DOXYCYCLINE, ISOTRETINOIN, OXYCODONE, change, doxycycline_dispense, et

FILLED = date(2026, 3, 1)


def rx(drug=DOXYCYCLINE, **changes) -> RefillFacts:
    values = dict(
        drug=drug,
        verified=True,
        refills_authorized=2,
        fills_used=1,
        last_fill_on=FILLED,
        last_fill_days_supply=30,
    )
    values.update(changes)
    return RefillFacts(**values)


@pytest.mark.parametrize(
    "drug, days_supply, earliest",
    [
        (DOXYCYCLINE, 30, date(2026, 3, 24)),  # 75 % of 30 = 22.5 days: day 23
        (DOXYCYCLINE, 28, date(2026, 3, 22)),  # 21 days exactly
        (ALPRAZOLAM, 30, date(2026, 3, 27)),  # Schedule IV, 85 % of 30 = 25.5: day 26
        (ALPRAZOLAM, 20, date(2026, 3, 18)),  # 85 % of 20 is exactly 17, not 17.000001
    ],
)
def test_the_earliest_refill_date_is_the_share_of_the_days_supply_for_the_schedule(drug, days_supply, earliest):
    assert earliest_refill_date(FILLED, days_supply, drug.dea_schedule) == earliest


@pytest.mark.parametrize("drug", [DOXYCYCLINE, ALPRAZOLAM])
def test_a_refill_is_too_soon_the_day_before_and_allowed_on_the_earliest_day(drug):
    earliest = earliest_refill_date(FILLED, 30, drug.dea_schedule)
    before = refill_status(rx(drug), today=earliest - timedelta(days=1))
    on = refill_status(rx(drug), today=earliest)
    assert before.state is RefillState.TOO_SOON and before.earliest_on == earliest and not before.may_order
    assert before.may_remind and not before.ask_prescriber
    assert on.state is RefillState.AVAILABLE and on.may_order and on.fills_left == 2


def test_the_share_is_configuration_per_schedule():
    config = Config(refill_too_soon_fraction=0.8, refill_too_soon_fraction_by_schedule={"c34": 0.9})
    assert earliest_refill_date(FILLED, 30, None, config) == date(2026, 3, 25)
    assert earliest_refill_date(FILLED, 30, 4, config) == date(2026, 3, 28)
    with pytest.raises(ValueError):
        Config(refill_too_soon_fraction_by_schedule={"c34": 1.5})


def test_isotretinoin_is_never_refilled_the_programme_allows_no_refills():
    status = refill_status(rx(ISOTRETINOIN, refills_authorized=0), today=date(2026, 4, 1))
    assert status.state is RefillState.NOT_REFILLABLE and status.ask_prescriber and not status.may_remind
    assert "iPLEDGE" in status.message and "new prescription" in status.message


def test_the_first_fill_of_a_programme_drug_is_not_a_refill():
    status = refill_status(rx(ISOTRETINOIN, refills_authorized=0, fills_used=0, last_fill_on=None), today=FILLED)
    assert status.state is RefillState.AVAILABLE


def test_schedule_ii_has_no_refills():
    status = refill_status(rx(OXYCODONE, refills_authorized=0), today=date(2026, 4, 1))
    assert status.state is RefillState.NOT_REFILLABLE and status.source == "21 CFR 1306.12(a)"


@pytest.mark.parametrize(
    "changes, state",
    [
        ({"fills_used": 3}, RefillState.NONE_LEFT),
        ({"fills_held": 1}, RefillState.IN_OPEN_ORDER),  # one fill at a time, even with two left
        ({"expires_on": date(2026, 3, 30)}, RefillState.EXPIRED),
        ({"verified": False}, RefillState.NOT_VERIFIED),
    ],
)
def test_what_stops_a_refill(changes, state):
    status = refill_status(rx(**changes), today=date(2026, 3, 31))
    assert status.state is state and not status.may_order


def test_the_last_day_a_prescription_may_be_filled_still_allows_a_refill():
    assert refill_status(rx(expires_on=date(2026, 3, 31)), today=date(2026, 3, 31)).may_order


@given(
    days_supply=st.integers(min_value=1, max_value=365),
    elapsed=st.integers(min_value=0, max_value=400),
    schedule=st.sampled_from([None, 3, 4, 5]),
)
def test_the_checkout_rule_refuses_exactly_when_the_button_says_too_soon(days_supply, elapsed, schedule):
    drug = dataclasses.replace(DOXYCYCLINE, dea_schedule=schedule)
    today = FILLED + timedelta(days=elapsed)
    status = refill_status(rx(drug, last_fill_days_supply=days_supply), today=today)
    facts = change(
        doxycycline_dispense(moment=et(today.year, today.month, today.day), fills_so_far=1),
        stage=Stage.CHECKOUT,
        drug=drug,
        prescription__last_fill_on=FILLED,
        prescription__last_fill_days_supply=days_supply,
    )
    blocked = [f for f in evaluate(facts) if f.rule_id == "rx.refill-too-soon" and f.severity == Severity.BLOCK]
    assert bool(blocked) is (status.state is RefillState.TOO_SOON)


@pytest.mark.parametrize("hour, minute, blocked", [(23, 59, True), (0, 0, False)])
def test_the_checkout_rule_turns_at_midnight_in_new_york(hour, minute, blocked):
    earliest = earliest_refill_date(FILLED, 10, None)  # day 8: 2026-03-09
    day = earliest - timedelta(days=1) if blocked else earliest
    facts = change(
        doxycycline_dispense(moment=et(day.year, day.month, day.day, hour, minute), fills_so_far=1),
        stage=Stage.CHECKOUT,
        prescription__last_fill_on=FILLED,
        prescription__last_fill_days_supply=10,
    )
    found = [f for f in evaluate(facts) if f.rule_id == "rx.refill-too-soon"]
    assert [f.severity for f in found] == ([Severity.BLOCK] if blocked else [])
    if blocked:
        assert "March 9, 2026" in found[0].customer_message
