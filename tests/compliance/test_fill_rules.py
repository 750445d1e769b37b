"""The pure fill rules: GTIN check digits, NDC layouts, and what a scanned pack's facts decide."""

from __future__ import annotations

import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import Severity
from compliance.core.fill_rules import (
    FILL_DUPLICATE_SERIAL,
    FILL_EXPIRED,
    FILL_EXPIRES_DURING_SUPPLY,
    FILL_EXPIRES_IN_TRANSIT,
    FILL_NO_SERIAL,
    FILL_QUANTITY_UNCONFIRMED,
    FILL_TOO_MANY,
    FILL_UNKNOWN_NDC,
    FILL_WRONG_PACK,
    PackFacts,
    dashed_candidates,
    gs1_check_digit,
    gtin_for_ndc,
    gtin_is_valid,
    ndc11,
    ndc_digits_from_gtin,
    ndc_is_dashed,
    pack_findings,
)

TODAY = datetime.date(2026, 12, 1)


def facts(**changes) -> PackFacts:
    base = dict(
        ndc="0555-1055-86",
        ndc_digits="0555105586",
        expected_ndcs=("0555-1055-86", "0378-6612-93"),
        product_title="Isotretinoin 20 mg capsules (30)",
        lot="LOT123A",
        serial="SER0001",
        expires_on=datetime.date(2028, 6, 30),
        today=TODAY,
        arrives_on=TODAY + datetime.timedelta(days=3),
        days_supply=30,
    )
    return PackFacts(**{**base, **changes})


def rule_ids(found) -> dict[str, Severity]:
    return {f.rule_id: f.severity for f in found}


def test_known_gtin_check_digits():
    # GS1's own worked example and a US drug pack (Claravis 20 mg, NDC 0555-1055-86).
    assert gs1_check_digit("629104150021") == 3
    assert gtin_for_ndc("0555-1055-86") == "00305551055869"
    assert gtin_is_valid("00305551055869") and not gtin_is_valid("00305551055862")


@given(st.from_regex(r"\A[0-9]{10}\Z"))
def test_every_ndc_round_trips_through_its_gtin_and_any_one_digit_change_is_caught(digits):
    gtin = gtin_for_ndc(digits)
    assert gtin_is_valid(gtin) and ndc_digits_from_gtin(gtin) == digits
    for position in range(13):
        changed = gtin[:position] + str((int(gtin[position]) + 1) % 10) + gtin[position + 1 :]
        assert not gtin_is_valid(changed)


def test_a_gtin_that_is_not_a_us_drug_gtin_has_no_ndc():
    assert ndc_digits_from_gtin("04006381333931") is None  # a German retail GTIN-13 padded to 14
    assert ndc_digits_from_gtin("0030555105586") is None  # 13 digits


def test_the_three_layouts_of_ten_digits():
    assert dashed_candidates("0555105586") == ("0555-1055-86", "05551-055-86", "05551-0558-6")
    assert all(ndc_is_dashed(n) for n in ("0555-1055-86", "10544-060-28", "50090-0806-0"))
    assert not ndc_is_dashed("055-51055-86") and not ndc_is_dashed("0555105586")
    assert ndc11("10544-060-28") == "10544-0060-28" and ndc11("50090-0806-0") == "50090-0806-00"


def test_the_right_pack_in_date_passes():
    assert pack_findings(facts()) == ()


def test_the_other_listed_manufacturer_is_also_the_right_pack():
    assert pack_findings(facts(ndc="0378-6612-93", ndc_digits="0378661293")) == ()


@pytest.mark.parametrize(
    "ndc, digits",
    [("0555-1054-86", "0555105486"), ("10544-060-28", "1054406028")],
    ids=["wrong strength (10 mg)", "different drug (doxycycline)"],
)
def test_a_pack_that_is_not_the_verified_products_is_blocked(ndc, digits):
    found = pack_findings(facts(ndc=ndc, ndc_digits=digits))
    assert rule_ids(found) == {FILL_WRONG_PACK: Severity.BLOCK}
    assert "Wrong drug/strength/pack" in found[0].pharmacist_message and ndc in found[0].pharmacist_message


def test_the_right_digits_missing_from_the_directory_are_blocked_until_it_is_imported():
    assert rule_ids(pack_findings(facts(ndc=""))) == {FILL_UNKNOWN_NDC: Severity.BLOCK}


def test_expiry_boundaries():
    day_before = TODAY - datetime.timedelta(days=1)
    assert rule_ids(pack_findings(facts(expires_on=day_before))) == {FILL_EXPIRED: Severity.BLOCK}
    # In date on the day it is filled, but expired before the promised delivery date.
    assert rule_ids(pack_findings(facts(expires_on=TODAY))) == {FILL_EXPIRES_IN_TRANSIT: Severity.BLOCK}
    arrives = TODAY + datetime.timedelta(days=3)
    assert FILL_EXPIRES_IN_TRANSIT in rule_ids(pack_findings(facts(expires_on=arrives - datetime.timedelta(days=1))))
    # Arrives in date, runs out before the last day of the 30-day supply: the pharmacist's call.
    last_dose = arrives + datetime.timedelta(days=29)
    assert rule_ids(pack_findings(facts(expires_on=arrives))) == {FILL_EXPIRES_DURING_SUPPLY: Severity.WARN}
    assert rule_ids(pack_findings(facts(expires_on=last_dose - datetime.timedelta(days=1)))) == {
        FILL_EXPIRES_DURING_SUPPLY: Severity.WARN
    }
    assert pack_findings(facts(expires_on=last_dose)) == ()


def test_missing_serial_duplicate_serial_unconfirmed_quantity_and_one_pack_too_many():
    assert rule_ids(pack_findings(facts(serial=""))) == {FILL_NO_SERIAL: Severity.BLOCK}
    assert rule_ids(pack_findings(facts(serial_already_used=True))) == {FILL_DUPLICATE_SERIAL: Severity.BLOCK}
    assert rule_ids(pack_findings(facts(quantity_confirmed=False))) == {FILL_QUANTITY_UNCONFIRMED: Severity.BLOCK}
    assert rule_ids(pack_findings(facts(packs_needed=1, packs_counted=1))) == {FILL_TOO_MANY: Severity.BLOCK}


def test_a_keyed_pack_needs_no_serial():
    assert pack_findings(facts(serial="", manual=True)) == ()
