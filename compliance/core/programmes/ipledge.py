"""iPLEDGE REMS (isotretinoin), RULES.md section 1.

iPLEDGE is the source of truth: an RMA (Risk Management Authorization) means
it has already checked prescriber, patient, tests and contraception. This
module records and enforces the RMA's limits; it never infers one.

Two versions:

- ``CURRENT`` (the REMS as changed on 13 Dec 2021: risk categories "can" /
  "cannot" get pregnant; 30-day window for "cannot"; 19-day lockout after a
  missed first window).
- ``MOD_2026_VERSION``: the modification FDA approved on 9 Feb 2026, in force
  from ``Config.effective_dates[MOD_2026]`` (default 2026-08-08, RULES.md 1.11;
  the Django setting ``IPLEDGE_MOD_2026_EFFECTIVE``). The 30-day window for
  patients who cannot get pregnant is removed (1.5) and the lockout is gone
  (1.6). Other changes (training records, home tests, counselling) are
  enforced by iPLEDGE or are the pharmacy's procedures, not store rules.

Rules and the stages they run at:

=============================  ======  ========  ========  =====  ==================
rule                           VERIFY  CHECKOUT  DISPENSE  SHIP   source
=============================  ======  ========  ========  =====  ==================
ipledge.pharmacy-activated     B / W   B         B / W     -      RULES.md 1.1
ipledge.rma                    -       -         B         -      RULES.md 1.2, 1.3
ipledge.rma-obtained           -       -         B         -      RULES.md 1.2
ipledge.rma-matches            B*      B*        B         -      RULES.md 1.2, 2.5
ipledge.risk-category          B*      B*        B*        -      RULES.md 1.4
ipledge.dispense-window        W*      B*        B         B*     RULES.md 1.5, 1.9
ipledge.mail-order-delivery    -       B         B / W     B / W  RULES.md 1.5, 6.7
ipledge.supply-cap             B       B         B         -      RULES.md 1.7
ipledge.no-refills             B       B         B         -      RULES.md 1.7
ipledge.blister-pack           W       -         W         -      RULES.md 1.7
ipledge.medication-guide       -       -         B         -      RULES.md 1.8
ipledge.minimum-age            W       W         W         -      RULES.md 1.10
=============================  ======  ========  ========  =====  ==================

B = BLOCK, W = WARN, * = only when an RMA (or prescriber category) is on file.

Decisions where RULES.md is silent:

- An RMA is obtained at dispense, so a missing RMA gives no finding at VERIFY
  or CHECKOUT; at DISPENSE it blocks. An RMA already on file is checked at
  every stage (a past window warns at VERIFY and blocks at CHECKOUT).
- Prescriber certification (1.3) is shown by the RMA itself (no RMA is issued
  otherwise), so it is enforced through ``ipledge.rma``.
- After the 2026 modification an RMA for a patient who cannot get pregnant
  may carry no "do not dispense after" date; it then has no window, and the
  dispense gets a WARN so the pharmacist confirms that in iPLEDGE (the date is
  iPLEDGE's, never recomputed here). If iPLEDGE does give a date, it is
  enforced.
- Mail order (1.5): a promised delivery after the RMA date blocks; at
  DISPENSE with no promised delivery date on file the pharmacist gets a WARN.
  The parcel may leave days after the dispense, so the window and the
  delivery date are checked again at SHIP with the parcel's own promised
  delivery date (and nothing else is: the medicine was judged at DISPENSE).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from ..config import DEFAULT_CONFIG, Config
from ..context import NOTHING, Context, local_date, number_text
from ..facts import ALL_STAGES, Facts
from ..findings import Finding, Severity
from ..wording import gettext_noop
from .common import (
    DISPENSE_ONLY,
    PHARMACIST_STAGES,
    AuthorisationMatchesPrescription,
    AuthorisationObtained,
    AuthorisationPresent,
    DispenseByDate,
    MedicationGuideRecorded,
    MinimumAge,
    NoRefills,
    PharmacyCertified,
    SupplyCap,
    programme_authorisation,
)
from .registry import EffectiveDate, Programme, ProgrammeVersion, register

CODE = "ipledge"
NAME = "iPLEDGE REMS"
TIMEZONE = "America/New_York"  # "Dates are calendar dates in America/New_York" (1.5)
MOD_2026 = "ipledge.mod_2026_effective"
MOD_2026_DEFAULT = date(2026, 8, 8)
MOD_2026_APPROVED = date(2026, 2, 9)

CAN = "can"
CANNOT = "cannot"
RISK_CATEGORIES = (CAN, CANNOT)
MAX_DAYS_SUPPLY = 30
MINIMUM_AGE = 12
BLISTER_SIZE = 10
FIRST_WINDOW_LOCKOUT_DAYS = 19

BLOCK, WARN = Severity.BLOCK, Severity.WARN
_CUSTOMER_STEP = gettext_noop("Our pharmacist is completing a required iPLEDGE step.")


@dataclass(frozen=True, slots=True, kw_only=True)
class RiskCategoryFromPrescriber:
    """iPLEDGE REMS Program, Pharmacy Guide (RULES.md 1.4): the category is "can" or "cannot" get pregnant, as
    assigned by the prescriber and shown on the RMA; the customer's own answer
    is never used (the facts have no place for it). An unknown value, or a
    prescription and RMA that disagree, is a BLOCK: reverse the RMA and get a
    new one with the right category."""

    rule_id: str = "ipledge.risk-category"
    source: str = "iPLEDGE REMS Program, Pharmacy Guide: patient risk categories"
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = programme_authorisation(facts, CODE)
        from_rma = auth.risk_category if auth is not None else None
        from_rx = facts.prescription.risk_category if facts.prescription is not None else None
        if from_rma is None and from_rx is None:
            return NOTHING
        bad = [v for v in (from_rma, from_rx) if v is not None and v not in RISK_CATEGORIES]
        if bad:
            problem = f"risk category {bad[0]!r} is not one of 'can' / 'cannot' get pregnant"
        elif from_rma is not None and from_rx is not None and from_rma != from_rx:
            problem = (
                f"the prescriber wrote {from_rx!r} get pregnant but RMA {auth.number} says {from_rma!r};"
                " reverse the RMA and obtain one with the prescriber's category"
            )
        else:
            return NOTHING
        return (Finding(self.rule_id, BLOCK, f"iPLEDGE: {problem}.", _CUSTOMER_STEP, self.source),)


@dataclass(frozen=True, slots=True, kw_only=True)
class BlisterPack:
    """Isotretinoin prescribing information, How Supplied (RULES.md 1.7): WARN when the quantity breaks a 10-capsule blister
    (cartons are 3x10 or 10x10)."""

    rule_id: str = "ipledge.blister-pack"
    source: str = "Isotretinoin prescribing information: How Supplied (blister cartons)"
    stages: frozenset = PHARMACIST_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        rx = facts.prescription
        if rx is None or rx.quantity is None or rx.quantity <= 0 or rx.quantity % BLISTER_SIZE == 0:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                WARN,
                f"Quantity {number_text(rx.quantity)} breaks a {BLISTER_SIZE}-capsule blister; dispense whole blisters where"
                " the prescriber agrees, and record the reason otherwise.",
                gettext_noop("Our pharmacist is reviewing the quantity on your prescription."),
                self.source,
            ),
        )


def _rules(*, window_for_cannot: bool) -> tuple:
    return (
        PharmacyCertified(
            code=CODE,
            programme_name=NAME,
            rule_id="ipledge.pharmacy-activated",
            source="iPLEDGE REMS Program, Pharmacy Guide: pharmacy certification and annual reactivation",
            timezone=TIMEZONE,
        ),
        AuthorisationPresent(
            code=CODE,
            programme_name=NAME,
            label="RMA",
            rule_id="ipledge.rma",
            source="iPLEDGE REMS Program, Pharmacy Guide: Risk Management Authorization (RMA)",
            required_at=DISPENSE_ONLY,
        ),
        AuthorisationObtained(
            code=CODE,
            programme_name=NAME,
            label="RMA",
            rule_id="ipledge.rma-obtained",
            source="iPLEDGE REMS Program, Pharmacy Guide: Risk Management Authorization (RMA)",
        ),
        AuthorisationMatchesPrescription(
            code=CODE,
            programme_name=NAME,
            label="RMA",
            rule_id="ipledge.rma-matches",
            source="iPLEDGE REMS Program, Pharmacy Guide: Risk Management Authorization (RMA)",
            values_required_at=DISPENSE_ONLY,
        ),
        RiskCategoryFromPrescriber(),
        DispenseByDate(
            code=CODE,
            programme_name=NAME,
            label="RMA",
            rule_id="ipledge.dispense-window",
            source="iPLEDGE REMS Program, Pharmacy Guide: do not dispense after date; RMA reversal",
            timezone=TIMEZONE,
            date_required_at=DISPENSE_ONLY,
            no_window_for=frozenset() if window_for_cannot else frozenset({CANNOT}),
            check_delivery=True,
            delivery_rule_id="ipledge.mail-order-delivery",
        ),
        SupplyCap(
            programme_name=NAME,
            max_days=MAX_DAYS_SUPPLY,
            rule_id="ipledge.supply-cap",
            source="iPLEDGE REMS Program, Pharmacy Guide: 30-day supply, no refills",
        ),
        NoRefills(
            programme_name=NAME,
            rule_id="ipledge.no-refills",
            source="iPLEDGE REMS Program, Pharmacy Guide: 30-day supply, no refills",
        ),
        BlisterPack(),
        MedicationGuideRecorded(
            programme_name=NAME,
            rule_id="ipledge.medication-guide",
            source="21 CFR 208.24; iPLEDGE REMS Program, Pharmacy Guide",
        ),
        MinimumAge(
            programme_name=NAME,
            age=MINIMUM_AGE,
            rule_id="ipledge.minimum-age",
            source="Isotretinoin prescribing information: patients 12 years and older",
        ),
    )


_COMMON = dict(
    code=CODE,
    max_days_supply=MAX_DAYS_SUPPLY,
    refills_allowed=0,
    medication_guide_required=True,
    pharmacy_certification_required=True,
    authorisation_required_at=DISPENSE_ONLY,
    risk_categories=RISK_CATEGORIES,
    minimum_age=MINIMUM_AGE,
)

CURRENT = ProgrammeVersion(
    label="iPLEDGE REMS (risk categories of 13 Dec 2021)",
    effective_from=date.min,
    rules=_rules(window_for_cannot=True),
    notes="Cannot get pregnant: 30-day window from the visit. Missed first window: 19-day lockout.",
    **_COMMON,
)
MOD_2026_VERSION = ProgrammeVersion(
    label="iPLEDGE REMS (modification approved 9 Feb 2026)",
    effective_from=EffectiveDate(MOD_2026, MOD_2026_DEFAULT),
    rules=_rules(window_for_cannot=False),
    notes="Cannot get pregnant: no dispense window. Missed first window: no lockout.",
    **_COMMON,
)
_WINDOW_FOR_CANNOT = {CURRENT.label: True, MOD_2026_VERSION.label: False}
_LOCKOUT = {CURRENT.label: FIRST_WINDOW_LOCKOUT_DAYS, MOD_2026_VERSION.label: None}

PROGRAMME = register(Programme(code=CODE, name=NAME, timezone=TIMEZONE, versions=(CURRENT, MOD_2026_VERSION)))


def with_mod_2026_effective(on: date, config: Config = DEFAULT_CONFIG) -> Config:
    """``config`` with the 2026 modification in force from ``on`` (RULES.md 1.11)."""
    return dataclasses.replace(config, effective_dates={**config.effective_dates, MOD_2026: on})


def version_on(on: date, config: Config = DEFAULT_CONFIG) -> ProgrammeVersion:
    return PROGRAMME.version_on(on, config)


# ---------------------------------------------------- customer explanations


def estimated_last_day(risk_category: str, opened_on: date, *, config: Config = DEFAULT_CONFIG) -> date | None:
    """Our own estimate of the last dispense day, for customer warnings only
    (RULES.md 1.5): dispensing always uses the RMA's date.

    "can": Day 1 is the date the qualifying pregnancy-test specimen was
    collected; the last day is Day 7 (specimen + 6). "cannot": the visit +
    29 days under the current REMS (Day 1 = the visit, the earlier of the two
    readings in use), no window after the 2026 modification (None).
    """
    if risk_category == CAN:
        return opened_on + timedelta(days=6)
    if risk_category != CANNOT:
        raise ValueError(f"unknown iPLEDGE risk category {risk_category!r}")
    if not _WINDOW_FOR_CANNOT[version_on(opened_on, config).label]:
        return None
    return opened_on + timedelta(days=29)


def earliest_new_pregnancy_test(
    missed_window_test_on: date, *, first_prescription: bool, on: date, config: Config = DEFAULT_CONFIG
) -> date:
    """RULES.md 1.6, to explain to a customer who can get pregnant and missed a
    window: under the current REMS, after missing the window of the first
    prescription the next qualifying test is at least 19 days after the test
    that opened it (03-02 -> 03-21); a later window, or any window after the
    2026 modification, only needs a new test (from ``on``). iPLEDGE enforces
    this; the store only explains it."""
    lockout = _LOCKOUT[version_on(on, config).label]
    if first_prescription and lockout:
        return max(on, missed_window_test_on + timedelta(days=lockout))
    return on


# ----------------------------------------------------------- reversal (1.9)


class RmaLike(Protocol):
    number: str
    do_not_dispense_after: date | None
    dispensed_on: date | None
    reversed_on: date | None
    cancelled: bool


@dataclass(frozen=True, slots=True, kw_only=True)
class RmaRecord:
    """A plain record of an RMA as the store keeps it."""

    number: str
    do_not_dispense_after: date | None
    dispensed_on: date | None = None
    reversed_on: date | None = None
    cancelled: bool = False
    quantity: int | Decimal | None = None
    days_supply: int | None = None


def rmas_due_for_reversal(records: Iterable[RmaLike], on: date | datetime) -> tuple[RmaLike, ...]:
    """RULES.md 1.9: the RMAs that were authorised but neither dispensed nor
    reversed, and can no longer be dispensed: the order was cancelled, or the
    do-not-dispense-after date has passed (compared in America/New_York; an
    aware datetime is converted, a date is taken as a New York date). An RMA
    with no date (no window after the 2026 modification) is due only once its
    order is cancelled. Records are any objects with the ``RmaLike``
    attributes, e.g. ``RmaRecord`` or model rows."""
    if isinstance(on, datetime):
        if on.tzinfo is None:
            raise ValueError("an aware datetime is needed")
        on = local_date(on, TIMEZONE)
    due = []
    for record in records:
        if record.dispensed_on is not None or record.reversed_on is not None:
            continue
        last = record.do_not_dispense_after
        if record.cancelled or (last is not None and on > last):
            due.append(record)
    return tuple(due)
