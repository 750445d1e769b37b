"""The one US state table (compliance.core.states) and what is built on it."""

from __future__ import annotations

import dataclasses

import pytest

from compliance.core import DEFAULT_CONFIG, days
from compliance.core.states import STATES_BY_NAME, US_STATES, is_us_state, state_choices, state_name


def test_the_table_holds_the_fifty_states_dc_and_puerto_rico():
    assert len(US_STATES) == 52
    assert US_STATES["DC"] == "District of Columbia"
    assert US_STATES["PR"] == "Puerto Rico"


def test_the_table_cannot_be_changed_by_a_caller():
    with pytest.raises(TypeError):
        US_STATES["ZZ"] = "Nowhere"  # type: ignore[index]


def test_a_state_is_named_from_its_code_in_any_case():
    assert state_name("ny") == "New York"
    assert state_name("ZZ") == "ZZ"
    assert is_us_state("ma") and not is_us_state("ZZ") and not is_us_state("")


def test_choices_are_in_order_of_name_with_an_optional_blank_first():
    names = [name for _, name in state_choices()]
    assert names == sorted(names)
    assert state_choices() == list(STATES_BY_NAME)
    assert state_choices(blank="Select a state")[0] == ("", "Select a state")
    assert state_choices(blank="Select a state")[1:] == state_choices()


@pytest.mark.parametrize(
    "change",
    [
        {"expiry_by_state": {("non_controlled", "XX"): days(30)}},
        {"controlled_days_supply_cap_by_state": {"N.Y.": 30}},
        {"states_without_nonresident_licence": frozenset({"Mass"})},
    ],
)
def test_a_configuration_naming_an_unknown_state_is_refused(change):
    with pytest.raises(ValueError, match="unknown US state"):
        dataclasses.replace(DEFAULT_CONFIG, **change)


def test_licence_choices_and_the_shop_use_the_same_table():
    from compliance.states import STATE_CHOICES
    from prescriptions.forms import STATE_CHOICES as PRESCRIPTION_CHOICES
    from shop.apps.checkout.forms import STATE_CHOICES as SHOP_CHOICES

    assert STATE_CHOICES == list(STATES_BY_NAME)
    assert SHOP_CHOICES[1:] == PRESCRIPTION_CHOICES[1:] == STATE_CHOICES
