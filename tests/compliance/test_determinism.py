"""The same facts give the same findings, word for word, and the same
fingerprint in every process, whatever the hash seed, and whatever spelling a
Decimal quantity was given in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import evaluate, fingerprint
from compliance.core.serialise import canonical_json

from .builders import change, doxycycline_dispense, isotretinoin_dispense

ROOT = Path(__file__).resolve().parents[2]

# Scenarios where several states tie (same expiry, same cap): the state a
# message names used to be whichever the set yielded first.
SCRIPT = r"""
import dataclasses, json, sys
from datetime import date
from decimal import Decimal
from compliance.core import evaluate, fingerprint
from compliance.core.config import DEFAULT_CONFIG
from tests.compliance.builders import change, controlled_dispense, doxycycline_dispense, isotretinoin_dispense, pharmacy
from compliance.core.facts import Licence

homes = pharmacy(licences=tuple(
    Licence(state=s, kind="resident", number=s + "-1", expires_on=date(2027, 12, 31))
    for s in ("NY", "NJ", "PA", "CA", "TX", "FL", "CT", "DE", "MD", "OH")
))
caps = dataclasses.replace(DEFAULT_CONFIG, controlled_days_supply_cap_by_state={
    "NY": 30, "NJ": 30, "PA": 30, "CT": 30, "DE": 30, "MD": 30, "OH": 30})
scenarios = [
    (change(doxycycline_dispense(pharmacy=homes), ship_to_state="NJ", patient__state="PA",
            prescription__date_written=date(2024, 1, 2)), DEFAULT_CONFIG),
    (change(controlled_dispense(pharmacy=dataclasses.replace(homes, online_controlled_registered=True)),
            ship_to_state="CT", patient__state="DE", prescription__days_supply=31), caps),
    (change(controlled_dispense(pharmacy=dataclasses.replace(homes, online_controlled_registered=True)),
            ship_to_state="CT", patient__state="DE", prescription__days_supply=None), caps),
    (change(isotretinoin_dispense(), prescription__quantity=Decimal("25.00"),
            prescription__completed_by_pharmacist=frozenset({"strength", "directions", "quantity", "refills"}),
            prescription__completion_note=""), DEFAULT_CONFIG),
]
out = [
    {"findings": [f.to_dict() for f in evaluate(facts, config=config)], "fingerprint": fingerprint(facts)}
    for facts, config in scenarios
]
json.dump(out, sys.stdout, sort_keys=True)
"""


def _run(seed: str) -> list:
    env = {**os.environ, "PYTHONHASHSEED": seed}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_findings_and_fingerprints_do_not_depend_on_the_hash_seed():
    runs = {seed: _run(seed) for seed in ("1", "2", "3", "random")}
    first = runs["1"]
    assert all(scenario["findings"] for scenario in first)  # every scenario says something
    for seed, result in runs.items():
        assert result == first, f"PYTHONHASHSEED={seed} gave different findings or fingerprints"


def test_a_tie_between_states_names_the_first_in_alphabetical_order():
    facts = change(
        doxycycline_dispense(), ship_to_state="PA", patient__state="NJ", prescription__date_written=date(2024, 1, 2)
    )
    (finding,) = [f for f in evaluate(facts) if f.rule_id == "rx.expiry"]
    assert "(NJ)" in finding.pharmacist_message


# ------------------------------------------------------ numbers by value

_BASE = st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False, places=3)


@given(_BASE, st.integers(0, 6))
def test_a_decimal_fingerprints_the_same_whatever_its_exponent(value, extra_zeros):
    places = max(-value.as_tuple().exponent, 0) + extra_zeros
    longer = value.quantize(Decimal(1).scaleb(-places))  # the same value with trailing zeros
    assert longer == value
    base = isotretinoin_dispense()
    a = change(base, prescription__quantity=value, authorisation__quantity=value)
    b = change(base, prescription__quantity=longer, authorisation__quantity=longer.normalize())
    assert canonical_json(a) == canonical_json(b)
    assert fingerprint(a) == fingerprint(b)
    assert evaluate(a) == evaluate(b)


@pytest.mark.parametrize("spelling", [Decimal("30"), Decimal("30.0"), Decimal("30.00"), Decimal("3E+1"), 30])
def test_thirty_is_thirty(spelling):
    base = isotretinoin_dispense()
    assert fingerprint(change(base, prescription__quantity=spelling)) == fingerprint(base)


@pytest.mark.parametrize("zero", [Decimal("-0"), Decimal("-0.00"), Decimal("0E+3"), Decimal("0.0"), 0])
def test_minus_zero_is_zero(zero):
    base = isotretinoin_dispense()
    assert fingerprint(change(base, prescription__quantity=zero)) == fingerprint(change(base, prescription__quantity=0))
    assert evaluate(change(base, prescription__quantity=zero)) == evaluate(change(base, prescription__quantity=0))


@pytest.mark.parametrize("bad", [Decimal("NaN"), Decimal("Infinity"), Decimal("-Infinity")])
def test_a_quantity_that_is_not_a_number_is_refused(bad):
    with pytest.raises(ValueError):
        fingerprint(change(isotretinoin_dispense(), prescription__quantity=bad))
