"""Promised delivery dates, computed here and nowhere else.

A parcel leaves the pharmacy on a *dispatch day*: a business day on which it is
ready before the pharmacy's cut-off, in the pharmacy's own time zone (Django's
``TIME_ZONE``, America/New_York); ready at or after the cut-off, or on a day the
carriers do not collect, it leaves the next business day. It then travels the
shipping method's transit time in business days. A business day is Monday to
Friday except the US federal holidays of 5 U.S.C. 6103 *as observed* (one on a
Saturday is observed the Friday before, one on a Sunday the Monday after):
USPS neither collects nor delivers on them. UPS and FedEx work some of them;
we promise the USPS calendar for every carrier, which is never later than
theirs.

Prescription items never leave before a pharmacist has verified and dispensed
them. A customer deciding on a product page or at checkout is told the usual
date: counted from the moment the review target (``REVIEW_TARGET_HOURS``) would
be met. The dispense step and the ship screen count from the real moment.

The date promised is the *latest* of the method's transit range: it is what the
iPLEDGE mail-order rule compares with the RMA's "do not dispense after" date
(iPLEDGE REMS, RULES.md 1.5 and 6.7), so it must not be optimistic.

The functions at the top are pure (a moment in, dates out); ``settings_*``
and ``promise_*`` at the bottom read the settings:

- ``RXSHOP_DISPATCH_CUTOFF``: "HH:MM" local time (default "14:00");
- ``RXSHOP_SHIPPING_TRANSIT_DAYS``: oscar shipping method code -> (fewest,
  most) business days in transit;
- ``RXSHOP_DEFAULT_SHIPPING_METHOD``: the code used when an order or basket
  has none yet (oscar's default repository offers only "free-shipping").
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

# --- Pure -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Transit:
    """A shipping method's time in transit, in business days."""

    fewest: int
    most: int

    def __post_init__(self) -> None:
        if not 0 <= self.fewest <= self.most:
            raise ValueError(f"transit days must be 0 <= fewest <= most, not {self.fewest}..{self.most}")


@dataclass(frozen=True)
class Promise:
    """When a parcel leaves and arrives.

    ``order_by`` is the last moment (pharmacy time) at which an order placed now
    still leaves on ``dispatch_on``; None when it depends on a pharmacist first
    (``after_review``).
    """

    dispatch_on: datetime.date
    earliest: datetime.date
    latest: datetime.date
    order_by: datetime.datetime | None
    after_review: bool = False

    @property
    def zone(self) -> str:
        """The cut-off's time zone as customers say it ("ET", "PT"...), in their language."""
        return zone_label(self.order_by) if self.order_by else ""

    @property
    def delivery_on(self) -> datetime.date:
        """The date we promise (the latest of the range): what the rules compare."""
        return self.latest


@lru_cache(maxsize=32)
def _us_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("US", years=year, observed=True)


def is_business_day(day: datetime.date) -> bool:
    """Monday to Friday, and not a US federal holiday nor its observed day."""
    return day.weekday() < 5 and day not in _us_holidays(day.year)


def next_business_day(day: datetime.date) -> datetime.date:
    """The first business day after ``day``."""
    day += datetime.timedelta(days=1)
    while not is_business_day(day):
        day += datetime.timedelta(days=1)
    return day


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    """``days`` business days after ``start`` (``start`` itself not counted)."""
    current = start
    for _ in range(days):
        current = next_business_day(current)
    return current


def dispatch_day(moment: datetime.datetime, *, cutoff: datetime.time, tz: ZoneInfo) -> datetime.date:
    """The day a parcel ready at ``moment`` leaves: that day in ``tz`` if it is a business
    day and the local time is before ``cutoff``, else the next business day."""
    if timezone.is_naive(moment):
        raise ValueError("moment must be timezone-aware")
    local = moment.astimezone(tz)
    day = local.date()
    if is_business_day(day) and local.time() < cutoff:
        return day
    return next_business_day(day)


# US zones by the names customers use; any other zone by its abbreviation at that moment.
_ZONE_LABELS = {
    "America/New_York": gettext_lazy("ET"),
    "America/Detroit": gettext_lazy("ET"),
    "America/Chicago": gettext_lazy("CT"),
    "America/Denver": gettext_lazy("MT"),
    "America/Phoenix": gettext_lazy("MST"),
    "America/Los_Angeles": gettext_lazy("PT"),
    "America/Anchorage": gettext_lazy("AKT"),
    "Pacific/Honolulu": gettext_lazy("HT"),
}


def zone_label(moment: datetime.datetime) -> str:
    key = getattr(moment.tzinfo, "key", "")
    return str(_ZONE_LABELS[key]) if key in _ZONE_LABELS else (moment.tzname() or key)


def promise(
    moment: datetime.datetime, *, transit: Transit, cutoff: datetime.time, tz: ZoneInfo, after_review: bool = False
) -> Promise:
    """The promise for a parcel ready at ``moment`` (see the module docstring)."""
    leaves = dispatch_day(moment, cutoff=cutoff, tz=tz)
    order_by = None if after_review else datetime.datetime.combine(leaves, cutoff, tzinfo=tz)
    return Promise(
        dispatch_on=leaves,
        earliest=add_business_days(leaves, transit.fewest),
        latest=add_business_days(leaves, transit.most),
        order_by=order_by,
        after_review=after_review,
    )


# --- Settings -------------------------------------------------------------------------------

DEFAULT_TRANSIT_DAYS = {"free-shipping": (3, 5), "standard": (3, 5), "express": (1, 2)}


def settings_cutoff() -> datetime.time:
    return datetime.time.fromisoformat(getattr(settings, "RXSHOP_DISPATCH_CUTOFF", "14:00"))


def settings_tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def default_method_code() -> str:
    return getattr(settings, "RXSHOP_DEFAULT_SHIPPING_METHOD", "free-shipping")


def transit_table() -> dict[str, Transit]:
    table = getattr(settings, "RXSHOP_SHIPPING_TRANSIT_DAYS", DEFAULT_TRANSIT_DAYS)
    return {code: Transit(*days) for code, days in table.items()}


def transit_for(method_code: str | None) -> Transit:
    """The transit time of an oscar shipping method; a code the table does not know
    gets the slowest method's (a promise must not be optimistic)."""
    table = transit_table()
    code = method_code or default_method_code()
    if code in table:
        return table[code]
    return max(table.values(), key=lambda t: (t.most, t.fewest))


def review_hours() -> int:
    return int(getattr(settings, "REVIEW_TARGET_HOURS", 4))


def promise_for_parcel(*, method_code: str | None, ready_at: datetime.datetime | None = None) -> Promise:
    """A parcel ready now (the dispense step, the ship screen) or at ``ready_at``."""
    return promise(
        ready_at or timezone.now(), transit=transit_for(method_code), cutoff=settings_cutoff(), tz=settings_tz()
    )


def promise_for_purchase(*, needs_prescription: bool, method_code: str | None = None) -> Promise:
    """What a customer deciding now is told: over-the-counter, ready now; with a prescription,
    ready once the review target is met (a pharmacist verifies and dispenses first)."""
    now = timezone.now()
    if needs_prescription:
        return promise(
            now + datetime.timedelta(hours=review_hours()),
            transit=transit_for(method_code),
            cutoff=settings_cutoff(),
            tz=settings_tz(),
            after_review=True,
        )
    return promise_for_parcel(method_code=method_code, ready_at=now)


def promised_delivery_for_order(
    *, order, method_code: str | None = None, ready_at: datetime.datetime | None = None
) -> datetime.date:
    """The date promised for ``order``'s parcel ready at ``ready_at`` (default now), by the
    order's shipping method unless ``method_code`` is given: what the rules are passed."""
    code = method_code or getattr(order, "shipping_code", "") or None
    return promise_for_parcel(method_code=code, ready_at=ready_at).delivery_on
