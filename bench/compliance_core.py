"""Pure-core throughput: evaluations per second of a typical isotretinoin
dispense (every rule runs and passes), on one core.

    .venv/bin/python bench/compliance_core.py [--runs 7] [--seconds 1.0] [--json PATH]

Reports the median of several timed runs, plus a blocked case (day 8 of the
window) and the fingerprint (canonical JSON + SHA-256) for comparison. The
core remembers the last texts its parsers read and the last dates it wrote
(pure functions, bounded); as this benchmark evaluates the same facts again
and again, each is also measured with that memory emptied before every call
(what a prescription seen for the first time costs). The figure is measured,
not asserted by any test; the target is >= 100,000/s (issue 25).
"""

from __future__ import annotations

import argparse
import json
import os
import pathlib
import platform
import statistics
import sys
import time
from datetime import date, datetime
from zoneinfo import ZoneInfo

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1]))

from compliance.core import (  # noqa: E402
    AccountHolder,
    Authorisation,
    Certification,
    Drug,
    Facts,
    Licence,
    Patient,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
    directions,
    evaluate,
    fingerprint,
    identifiers,
    passes,
    prescription_rules,
    product_rules,
    serialise,
)

NEW_YORK = ZoneInfo("America/New_York")
TARGET = 100_000


def typical_isotretinoin_dispense(moment: datetime) -> Facts:
    return Facts(
        stage=Stage.DISPENSE,
        moment=moment,
        drug=Drug(
            name="Isotretinoin",
            strength="20 mg",
            dosage_form="capsule",
            programme="ipledge",
            minimum_age=12,
            medication_guide_required=True,
        ),
        pharmacy=PharmacyFacts(
            licences=tuple(
                Licence(
                    state=s,
                    kind="resident" if s == "NY" else "non_resident",
                    number=f"{s}-1",
                    expires_on=date(2027, 12, 31),
                )
                for s in ("NY", "NJ", "PA", "CA", "TX", "FL")
            ),
            certifications=(
                Certification(
                    programme="ipledge",
                    activated_on=date(2025, 9, 1),
                    reactivation_due=date(2026, 12, 31),
                    responsible_pharmacist="Dana Whitfield, PharmD",
                ),
            ),
        ),
        patient=Patient(
            full_name="Alex Rivera",
            date_of_birth=date(2004, 5, 17),
            address_line="12 Elm St, Albany, NY 12207",
            state="NY",
        ),
        account_holder=AccountHolder(date_of_birth=date(2004, 5, 17)),
        prescriber=Prescriber(name="Jane Smith, MD", address="1 Main St, Albany, NY", npi="1234567893"),
        prescription=PrescriptionFacts(
            drug_name="Isotretinoin",
            strength="20 mg",
            dosage_form="capsule",
            quantity=30,
            days_supply=30,
            directions="Take 1 capsule by mouth daily with food",
            refills=0,
            date_written=date(2026, 3, 2),
            signed=True,
            electronic=True,
            risk_category="can",
        ),
        authorisation=Authorisation(
            programme="ipledge",
            number="RMA0012345",
            risk_category="can",
            do_not_dispense_after=date(2026, 3, 8),
            quantity=30,
            days_supply=30,
            obtained_at=datetime(2026, 3, 4, 16, 30, tzinfo=NEW_YORK),
            obtained_by="Dana Whitfield, PharmD",
        ),
        ship_to_state="NY",
        prescription_verified=True,
        medication_guide_recorded=True,
        promised_delivery_on=date(2026, 3, 7),
    )


def forget() -> None:
    """Empty what the core remembers between evaluations."""
    directions._daily_dose.cache_clear()
    product_rules.strength_key.cache_clear()
    product_rules.dosage_form_key.cache_clear()
    prescription_rules._counted_in_units.cache_clear()
    identifiers._npi_check_digit_is_right.cache_clear()
    serialise._DATES.clear()


def rate(fn, seconds: float) -> tuple[float, float]:
    """Calls per second of ``fn`` over about ``seconds``: per wall-clock second,
    and per second of this process's CPU time (what one core does, whatever
    else the machine is running)."""
    batch, calls, start, cpu = 1000, 0, time.perf_counter(), time.process_time()
    while True:
        for _ in range(batch):
            fn()
        calls += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return calls / elapsed, calls / max(time.process_time() - cpu, 1e-9)


def median_rate(fn, runs: int, seconds: float) -> tuple[float, list[float], float]:
    rate(fn, 0.2)  # warm up
    pairs = [rate(fn, seconds) for _ in range(runs)]
    rates = [wall for wall, _ in pairs]
    return statistics.median(rates), rates, statistics.median(cpu for _, cpu in pairs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=1.0)
    parser.add_argument("--json", type=pathlib.Path)
    args = parser.parse_args()

    passing = typical_isotretinoin_dispense(datetime(2026, 3, 5, 14, 0, tzinfo=NEW_YORK))
    blocked = typical_isotretinoin_dispense(datetime(2026, 3, 9, 0, 0, tzinfo=NEW_YORK))
    assert passes(evaluate(passing)) and not passes(evaluate(blocked))

    results = {}
    for name, fn in (
        ("evaluate: isotretinoin dispense, all rules pass", lambda: evaluate(passing)),
        ("evaluate: isotretinoin dispense, day 8 (BLOCK)", lambda: evaluate(blocked)),
        ("evaluate: the same, memory emptied each call", lambda: (forget(), evaluate(passing))),
        ("fingerprint: canonical JSON + SHA-256", lambda: fingerprint(passing)),
        ("fingerprint: the same, memory emptied each call", lambda: (forget(), fingerprint(passing))),
    ):
        med, rates, cpu = median_rate(fn, args.runs, args.seconds)
        results[name] = {
            "median_per_second": round(med),
            "runs": [round(r) for r in rates],
            "median_per_cpu_second": round(cpu),
        }
        print(
            f"{name:<50} {med:>10,.0f}/s  (median of {args.runs}; min {min(rates):,.0f}, max {max(rates):,.0f})"
            f"  {cpu:>10,.0f}/s of CPU time"
        )

    headline = results["evaluate: isotretinoin dispense, all rules pass"]["median_per_cpu_second"]
    print(
        f"\ntarget >= {TARGET:,}/s on one core (per CPU second): {'met' if headline >= TARGET else 'NOT met'} "
        f"({headline:,}/s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs)"
    )
    print(f"python {platform.python_version()} on {platform.machine()}, {platform.processor() or platform.system()}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"python": platform.python_version(), "results": results}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
