"""Versioned numbers the rules use. Everything a state or a programme can
change lives here or in the programme's own module, not in rule bodies.

``Config`` is immutable; build a new one with ``dataclasses.replace`` (the
Django layer does so from settings).
"""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from types import MappingProxyType

from .states import unknown_states

# Schedule classes used as keys of the expiry tables (RULES.md 2.2).
NON_CONTROLLED = "non_controlled"
C2 = "c2"
C34 = "c34"
C5 = "c5"


def schedule_class(dea_schedule: int | None) -> str:
    if dea_schedule is None:
        return NON_CONTROLLED
    if dea_schedule == 2:
        return C2
    if dea_schedule in (3, 4):
        return C34
    return C5


def add_months(day: date, months: int) -> date:
    """Calendar months; a day missing from the target month becomes its last day
    (2026-08-31 + 6 months = 2027-02-28)."""
    years, month_index = divmod(day.month - 1 + months, 12)
    year, month = day.year + years, month_index + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True, slots=True)
class Expiry:
    """How long after the date of issue a prescription may be filled.

    The last valid fill day is issue + ``amount`` days or calendar months,
    inclusive: 21 CFR 1306.22 forbids a fill "more than six months after" issue,
    so the day exactly six months after is still valid; day counts are read the
    same way (issue 2026-01-10, 365 days: last day 2027-01-10).
    """

    amount: int
    unit: str  # "days" | "months"

    def __post_init__(self) -> None:
        if self.unit not in ("days", "months") or self.amount < 0:
            raise ValueError(f"bad expiry {self.amount!r} {self.unit!r}")

    def last_valid_day(self, issued: date) -> date:
        if self.unit == "days":
            return issued + timedelta(days=self.amount)
        return add_months(issued, self.amount)

    def describe(self) -> str:
        return f"{self.amount} {self.unit if self.amount != 1 else self.unit[:-1]}"


def days(n: int) -> Expiry:
    return Expiry(n, "days")


def months(n: int) -> Expiry:
    return Expiry(n, "months")


def _frozen(mapping: Mapping) -> Mapping:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True, slots=True, kw_only=True)
class Config:
    """Numbers and tables, with the defaults from RULES.md.

    effective_dates: named, dated changes of programmes, keyed by a constant the
        programme module exports (its own default applies when absent), so a
        date can come from settings without the core naming the programme.
    timezone: the pharmacy's calendar for "today" in general rules.
    expiry_default / expiry_by_state: per schedule class, and per
        (class, state). ``None`` means no expiry. C-III/IV always also have the
        federal 6 months (``federal_c34_expiry``).
    c34_max_refills: 21 CFR 1306.22.
    controlled_days_supply_cap_by_state: state caps on a controlled fill.
    states_without_nonresident_licence: a non-resident licence recorded for
        one of these states is not accepted (Massachusetts issues none).
    reactivation_warning_days: warn this many days before a programme
        certification's reactivation is due.
    refill_too_soon_fraction: a refill comes too soon before this share of
        the previous fill's days' supply has elapsed (non-controlled drugs).
    refill_too_soon_fraction_by_schedule: the share for a schedule class
        (payers commonly ask 85-90 % for controlled substances, RULES.md 6.2);
        a class not listed uses ``refill_too_soon_fraction``.
    minimum_account_holder_age: store policy (RULES.md 3.7).
    """

    effective_dates: Mapping[str, date] = field(default_factory=dict)
    timezone: str = "America/New_York"
    expiry_default: Mapping[str, Expiry | None] = field(
        default_factory=lambda: {
            NON_CONTROLLED: days(365),
            C2: months(6),
            C34: months(6),
            C5: days(365),
        }
    )
    expiry_by_state: Mapping[tuple[str, str], Expiry | None] = field(
        default_factory=lambda: {
            (NON_CONTROLLED, "NC"): None,
            (NON_CONTROLLED, "AK"): days(365),
            (NON_CONTROLLED, "CA"): days(365),
            (C2, "NC"): months(6),
            (C2, "VA"): months(6),
            (C2, "HI"): days(7),
        }
    )
    federal_c34_expiry: Expiry = months(6)
    c34_max_refills: int = 5
    controlled_days_supply_cap_by_state: Mapping[str, int] = field(default_factory=lambda: {"NY": 30})
    states_without_nonresident_licence: frozenset[str] = frozenset({"MA"})
    reactivation_warning_days: int = 30
    refill_too_soon_fraction: float = 0.75
    refill_too_soon_fraction_by_schedule: Mapping[str, float] = field(default_factory=lambda: {C34: 0.85, C5: 0.85})
    minimum_account_holder_age: int = 18

    def __post_init__(self) -> None:
        for name in (
            "effective_dates",
            "expiry_default",
            "expiry_by_state",
            "controlled_days_supply_cap_by_state",
            "refill_too_soon_fraction_by_schedule",
        ):
            object.__setattr__(self, name, _frozen(getattr(self, name)))
        for key, value in self.effective_dates.items():
            if not isinstance(value, date):
                raise ValueError(f"effective date {key!r} must be a date, not {value!r}")
        for key, share in (
            ("default", self.refill_too_soon_fraction),
            *self.refill_too_soon_fraction_by_schedule.items(),
        ):
            if not 0 <= share <= 1:
                raise ValueError(f"refill-too-soon share {key!r} must be between 0 and 1, not {share!r}")
        # A typo in a state code would silently never apply: refuse it.
        unknown = unknown_states(
            [state for _, state in self.expiry_by_state]
            + list(self.controlled_days_supply_cap_by_state)
            + list(self.states_without_nonresident_licence)
        )
        if unknown:
            raise ValueError(f"unknown US state code(s) in the configuration: {unknown}")

    def effective(self, key: str, default: date) -> date:
        return self.effective_dates.get(key, default)

    def to_dict(self) -> dict:
        """A JSON-ready summary, stored with each evaluation."""

        def expiry(value: Expiry | None):
            return None if value is None else value.describe()

        return {
            "effective_dates": {k: v.isoformat() for k, v in sorted(self.effective_dates.items())},
            "timezone": self.timezone,
            "expiry_default": {k: expiry(v) for k, v in sorted(self.expiry_default.items())},
            "expiry_by_state": {f"{k[0]}:{k[1]}": expiry(v) for k, v in sorted(self.expiry_by_state.items())},
            "federal_c34_expiry": self.federal_c34_expiry.describe(),
            "c34_max_refills": self.c34_max_refills,
            "controlled_days_supply_cap_by_state": dict(sorted(self.controlled_days_supply_cap_by_state.items())),
            "states_without_nonresident_licence": sorted(self.states_without_nonresident_licence),
            "reactivation_warning_days": self.reactivation_warning_days,
            "refill_too_soon_fraction": self.refill_too_soon_fraction,
            "refill_too_soon_fraction_by_schedule": dict(sorted(self.refill_too_soon_fraction_by_schedule.items())),
            "minimum_account_holder_age": self.minimum_account_holder_age,
        }


DEFAULT_CONFIG = Config()
