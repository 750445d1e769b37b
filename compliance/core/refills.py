"""Refills: whether a prescription can be filled again, and from which day.

Pure: facts in (``RefillFacts``), a ``RefillStatus`` out; "today" is an
argument. The shop's "Refill" button, the daily reminder job and the checkout
rule ``rx.refill-too-soon`` all ask this module, so the customer is never
offered a refill that checkout would then refuse.

Sources:
- Refill too soon: there is no federal rule for a non-controlled drug; payers
  refuse a refill before a share of the last fill's days' supply has elapsed
  (NCPDP reject code 79), commonly 75-80 %, and 85-90 % for controlled
  substances. The share is configuration per schedule
  (``Config.refill_too_soon_fraction`` and ``refill_too_soon_fraction_by_schedule``).
- Schedule II: no refills (21 CFR 1306.12(a)).
- Schedule III-IV: at most five refills, none more than six months after
  issue (21 CFR 1306.22(a)); the six months are the prescription's expiry.
- Programmes: a REMS programme version that allows no refills (isotretinoin:
  "no refills", each month needs a new prescription) makes every refill
  impossible; ``ProgrammeVersion.refills_allowed``.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction

from .config import C2, DEFAULT_CONFIG, Config, schedule_class
from .facts import Drug
from .programmes.registry import get_programme
from .wording import CustomerText, gettext_noop

REFILL_TOO_SOON_SOURCE = "Payer refill-too-soon practice (NCPDP reject code 79)"
SCHEDULE_II_SOURCE = "21 CFR 1306.12(a)"
SCHEDULE_III_IV_SOURCE = "21 CFR 1306.22(a)"


def refill_fraction(dea_schedule: int | None, config: Config = DEFAULT_CONFIG) -> float:
    """The share of the last fill's days' supply that must have elapsed, for this schedule."""
    return config.refill_too_soon_fraction_by_schedule.get(
        schedule_class(dea_schedule), config.refill_too_soon_fraction
    )


def earliest_refill_date(
    last_fill_on: date | None,
    last_fill_days_supply: int | None,
    dea_schedule: int | None,
    config: Config = DEFAULT_CONFIG,
) -> date | None:
    """The first calendar day a refill is not too soon: the last fill's date plus the
    share of its days' supply, rounded up to whole days (30 days at 75 %: 22.5 → day 23).
    None when there was no fill or its days' supply is unknown (nothing to count from)."""
    if last_fill_on is None or not last_fill_days_supply:
        return None
    # Fraction of the decimal text, not of the float: 0.85 × 20 is exactly 17, never 17.000001.
    share = Fraction(str(refill_fraction(dea_schedule, config))) * last_fill_days_supply
    return last_fill_on + timedelta(days=math.ceil(share))


def supply_runs_out_on(last_fill_on: date | None, last_fill_days_supply: int | None) -> date | None:
    """The last day covered by the last fill (filled on day 0, ``days_supply`` days)."""
    if last_fill_on is None or not last_fill_days_supply:
        return None
    return last_fill_on + timedelta(days=last_fill_days_supply - 1)


class RefillState(enum.StrEnum):
    AVAILABLE = "available"  # may be ordered today
    TOO_SOON = "too_soon"  # a fill is left, but not before ``earliest_on``
    IN_OPEN_ORDER = "in_open_order"  # a fill is already in an order on its way (one at a time)
    NONE_LEFT = "none_left"  # every fill dispensed
    EXPIRED = "expired"  # past its last fill date
    NOT_REFILLABLE = "not_refillable"  # the law or the programme allows no refill of this drug
    NOT_VERIFIED = "not_verified"  # not (or no longer) a verified prescription


@dataclass(frozen=True, slots=True, kw_only=True)
class RefillFacts:
    """One prescription as the refill rules see it.

    ``fills_held`` counts fills already promised to open orders (placed, not yet
    dispensed); ``last_fill_*`` describe the latest dispense under it;
    ``expires_on`` is its last fill date (None: none).
    """

    drug: Drug
    verified: bool
    refills_authorized: int
    fills_used: int
    fills_held: int = 0
    expires_on: date | None = None
    last_fill_on: date | None = None
    last_fill_days_supply: int | None = None

    @property
    def fills_left(self) -> int:
        return max(1 + self.refills_authorized - self.fills_used - self.fills_held, 0)


@dataclass(frozen=True, slots=True)
class RefillStatus:
    state: RefillState
    fills_left: int
    message: str  # for the customer; names the regulation or programme, never our files
    earliest_on: date | None = None
    runs_out_on: date | None = None
    source: str = ""

    @property
    def may_order(self) -> bool:
        return self.state is RefillState.AVAILABLE

    @property
    def may_remind(self) -> bool:
        """A reminder may be sent: a refill is (or will be) possible under this prescription."""
        return self.state in (RefillState.AVAILABLE, RefillState.TOO_SOON)

    @property
    def ask_prescriber(self) -> bool:
        """Only a new prescription helps: offer "ask my prescriber"."""
        return self.state in (RefillState.NONE_LEFT, RefillState.EXPIRED, RefillState.NOT_REFILLABLE)


def _programme_allows_no_refills(drug: Drug, today: date, config: Config) -> str | None:
    if not drug.programme:
        return None
    version = get_programme(drug.programme, today, config=config)
    if version is None or version.retired or version.refills_allowed != 0:
        return None
    return version.label


def refill_status(facts: RefillFacts, *, today: date, config: Config = DEFAULT_CONFIG) -> RefillStatus:
    """Whether the next fill of this prescription may be ordered on ``today`` (a date in
    the pharmacy's time zone), and if not, why and what to do."""
    runs_out = supply_runs_out_on(facts.last_fill_on, facts.last_fill_days_supply)
    left = facts.fills_left
    if not facts.verified:
        return RefillStatus(
            RefillState.NOT_VERIFIED, left, gettext_noop("This prescription is not verified."), runs_out_on=runs_out
        )
    if facts.fills_used >= 1:
        programme = _programme_allows_no_refills(facts.drug, today, config)
        if programme is not None:
            return RefillStatus(
                RefillState.NOT_REFILLABLE,
                0,
                CustomerText(
                    gettext_noop(
                        "%(programme)s allows no refills: each supply needs a new prescription from your prescriber."
                    ),
                    programme=programme,
                ),
                runs_out_on=runs_out,
                source=programme,
            )
        if schedule_class(facts.drug.dea_schedule) == C2:
            return RefillStatus(
                RefillState.NOT_REFILLABLE,
                0,
                gettext_noop(
                    "Federal law allows no refills of a Schedule II medicine (21 CFR 1306.12(a)): "
                    "each supply needs a new prescription."
                ),
                runs_out_on=runs_out,
                source=SCHEDULE_II_SOURCE,
            )
    if facts.expires_on is not None and facts.expires_on < today:
        return RefillStatus(
            RefillState.EXPIRED,
            left,
            CustomerText(
                gettext_noop("This prescription could be filled until %(date)s; it has expired."), date=facts.expires_on
            ),
            runs_out_on=runs_out,
        )
    if 1 + facts.refills_authorized - facts.fills_used <= 0:
        return RefillStatus(
            RefillState.NONE_LEFT,
            0,
            gettext_noop("Every fill of this prescription has been dispensed."),
            runs_out_on=runs_out,
        )
    if facts.fills_held > 0:
        # One fill at a time: the next is counted from the one on its way, once it is dispensed.
        return RefillStatus(
            RefillState.IN_OPEN_ORDER,
            left,
            gettext_noop(
                "Your next fill is already in an order on its way to our pharmacist; you can order the one"
                " after it once it has been dispensed."
            ),
            runs_out_on=runs_out,
        )
    earliest = earliest_refill_date(facts.last_fill_on, facts.last_fill_days_supply, facts.drug.dea_schedule, config)
    if earliest is not None and today < earliest:
        percent = round(refill_fraction(facts.drug.dea_schedule, config) * 100)
        return RefillStatus(
            RefillState.TOO_SOON,
            left,
            CustomerText(
                gettext_noop(
                    "You can order the next fill from %(date)s: %(percent)s %% of the last fill's %(days)s days'"
                    " supply must have passed."
                ),
                date=earliest,
                percent=percent,
                days=facts.last_fill_days_supply,
            ),
            earliest_on=earliest,
            runs_out_on=runs_out,
            source=REFILL_TOO_SOON_SOURCE,
        )
    return RefillStatus(
        RefillState.AVAILABLE,
        left,
        gettext_noop("You can order the next fill now."),
        earliest_on=earliest,
        runs_out_on=runs_out,
    )
