"""Delivery estimates by destination, from our dispensing site in New York."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

_NEAR = frozenset({"NY", "NJ", "CT", "PA", "MA", "RI", "VT", "NH", "DE", "MD", "DC"})
_FAR = frozenset({"AK", "HI", "PR"})


@dataclass(frozen=True)
class Estimate:
    zone: str
    min_days: int
    max_days: int

    def __str__(self) -> str:
        return f"{self.min_days}–{self.max_days} business days"


ZONES = (
    Estimate("Northeast (NY, NJ, PA, New England, DE, MD, DC)", 1, 3),
    Estimate("Rest of the continental US", 2, 5),
    Estimate("Alaska, Hawaii, Puerto Rico", 4, 8),
)


def estimate_for_state(state: str | None) -> Estimate:
    state = (state or "").upper()
    if state in _NEAR:
        return ZONES[0]
    if state in _FAR:
        return ZONES[2]
    return ZONES[1]


def add_business_days(start: datetime.date, days: int) -> datetime.date:
    current = start
    while days > 0:
        current += datetime.timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current
