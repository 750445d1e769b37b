"""The core benchmark measures what it says: its "typical" dispense passes every rule and its
day-8 case blocks (a rule added later must not turn the benchmark into a measure of a refusal)."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

from compliance.core import evaluate, fingerprint, passes

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
from compliance_core import NEW_YORK, typical_isotretinoin_dispense  # noqa: E402


def test_the_benchmarks_typical_dispense_passes_and_day_8_blocks():
    passing = typical_isotretinoin_dispense(datetime(2026, 3, 5, 14, 0, tzinfo=NEW_YORK))
    blocked = typical_isotretinoin_dispense(datetime(2026, 3, 9, 0, 0, tzinfo=NEW_YORK))
    assert evaluate(passing) == ()
    assert not passes(evaluate(blocked))
    assert fingerprint(passing) != fingerprint(blocked)
