"""Canonical JSON of the facts and its SHA-256 fingerprint."""

from __future__ import annotations

import hashlib
import json
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from compliance.core import canonical_json, evaluate, facts_from_jsonable, fingerprint, to_jsonable

from .builders import change, doxycycline_dispense, isotretinoin_dispense


def test_the_fingerprint_is_the_sha256_of_the_canonical_json():
    facts = isotretinoin_dispense()
    text = canonical_json(facts)
    assert fingerprint(facts) == hashlib.sha256(text.encode()).hexdigest()
    assert json.loads(text)["moment"] == "2026-03-05T19:00:00Z"  # 14:00 EST, stored in UTC
    assert text == json.dumps(json.loads(text), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def test_the_same_instant_in_another_zone_has_the_same_fingerprint():
    facts = isotretinoin_dispense()
    assert fingerprint(change(facts, moment=facts.moment.astimezone(ZoneInfo("UTC")))) == fingerprint(facts)


def test_any_change_of_a_fact_changes_the_fingerprint():
    facts = isotretinoin_dispense()
    assert fingerprint(change(facts, authorisation__do_not_dispense_after=date(2026, 3, 9))) != fingerprint(facts)
    assert fingerprint(change(facts, prescription__completed_by_pharmacist=frozenset({"strength"}))) != fingerprint(
        facts
    )


def test_sets_are_stored_in_a_stable_order():
    a = change(isotretinoin_dispense(), prescription__completed_by_pharmacist=frozenset({"strength", "directions"}))
    b = change(isotretinoin_dispense(), prescription__completed_by_pharmacist=frozenset({"directions", "strength"}))
    assert canonical_json(a) == canonical_json(b)


def test_stored_facts_can_be_rebuilt_and_evaluated_again():
    for facts in (
        isotretinoin_dispense(),
        doxycycline_dispense(),
        change(isotretinoin_dispense(), prescription__quantity=Decimal("2.5")),
    ):
        rebuilt = facts_from_jsonable(json.loads(canonical_json(facts)))
        assert fingerprint(rebuilt) == fingerprint(facts)
        assert evaluate(rebuilt) == evaluate(facts)


@given(
    st.integers(1, 120),
    st.integers(0, 11),
    st.dates(date(2025, 1, 1), date(2027, 12, 31)),
    st.sampled_from(["can", "cannot", None]),
    st.text(max_size=30),
)
def test_round_trip_keeps_the_fingerprint(days, refills, written, category, directions):
    facts = change(
        isotretinoin_dispense(),
        prescription__days_supply=days,
        prescription__refills=refills,
        prescription__date_written=written,
        authorisation__risk_category=category,
        prescription__directions=directions,
    )
    assert fingerprint(facts_from_jsonable(to_jsonable(facts))) == fingerprint(facts)
