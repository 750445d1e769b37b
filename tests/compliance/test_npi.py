"""NPI check digit (RULES.md 2.3)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import Severity, npi_check, npi_is_valid
from compliance.core.identifiers import luhn_is_valid, npi_check_digit


@pytest.mark.parametrize("npi", ["1234567893", "1245319599", "1619967999"])
def test_the_npis_given_as_valid_in_the_rules_pass(npi):
    assert npi_is_valid(npi)
    assert npi_check(npi) == ()


@pytest.mark.parametrize(
    "npi, why",
    [
        ("1234567890", "check digit"),
        ("3030000003", "check digit"),  # NIST test fixture, fails Luhn
        ("123456789", "9 digits"),
        ("12345678930", "11 digits"),
        ("12345678a3", "digits only"),
        ("１２３４５６７８９３", "digits only"),  # full-width digits are not ASCII
        ("", None),
    ],
)
def test_the_npis_given_as_invalid_in_the_rules_fail(npi, why):
    assert not npi_is_valid(npi)
    if why is not None:
        [finding] = npi_check(npi)
        assert finding.severity is Severity.BLOCK and why in finding.pharmacist_message


def test_an_npi_is_a_string():
    assert not npi_is_valid(1234567893)
    assert not npi_is_valid(None)


def test_an_npi_not_starting_with_1_or_2_is_a_warning():
    # A valid checksum but a first digit that is never issued.
    base = "3" + "00000000"
    npi = base + str(npi_check_digit(base))
    assert npi_is_valid(npi)
    [finding] = npi_check(npi)
    assert finding.severity is Severity.WARN


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)


@given(nine_digits)
def test_every_generated_npi_with_its_check_digit_passes(base):
    npi = base + str(npi_check_digit(base))
    assert npi_is_valid(npi)
    assert luhn_is_valid("80840" + npi)  # the short form agrees with the 15-digit Luhn


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_change_of_a_valid_npi_fails(base, position, delta):
    npi = base + str(npi_check_digit(base))
    changed = npi[:position] + str((int(npi[position]) + delta) % 10) + npi[position + 1 :]
    assert not npi_is_valid(changed)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_short_form_and_the_prefixed_luhn_always_agree(npi):
    assert npi_is_valid(npi) == luhn_is_valid("80840" + npi)
