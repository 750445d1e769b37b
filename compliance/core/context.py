"""Per-evaluation derived values (local dates), computed once and shared by rules."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from .facts import ALL_STAGES, Facts, Stage
from .findings import Finding

if TYPE_CHECKING:
    from .config import Config
    from .programmes.registry import Programme, ProgrammeVersion

_ZONES: dict[str, ZoneInfo] = {}


def zone(name: str) -> ZoneInfo:
    tz = _ZONES.get(name)
    if tz is None:
        tz = _ZONES[name] = ZoneInfo(name)
    return tz


def local_date(moment, tz_name: str) -> date:
    """The calendar date of an aware instant in a named zone (DST-aware)."""
    return moment.astimezone(zone(tz_name)).date()


class Context:
    """``today`` is the evaluation date in the pharmacy's time zone;
    ``programme``/``programme_version`` are the drug's programme and the version
    in force on the evaluation date in the programme's own time zone."""

    __slots__ = ("facts", "config", "stage", "today", "programme", "programme_version", "_dates", "_states")

    def __init__(self, facts: Facts, config: Config) -> None:
        self.facts = facts
        self.config = config
        self.stage = facts.stage
        self._dates: dict[str, date] = {}
        self.today = self.date_in(config.timezone)
        self.programme: Programme | None = None
        self.programme_version: ProgrammeVersion | None = None
        self._states: frozenset[str] | None = None

    @property
    def states(self) -> frozenset[str]:
        """States whose law may govern this fill: ship-to, the patient's, and
        the pharmacy's resident (home) states. Where they differ, rules take
        the strictest."""
        found = self._states
        if found is None:
            facts = self.facts
            found = set(facts.pharmacy.home_states)
            if facts.ship_to_state:
                found.add(facts.ship_to_state.upper())
            if facts.patient is not None and facts.patient.state:
                found.add(facts.patient.state.upper())
            found = self._states = frozenset(found)
        return found

    def date_in(self, tz_name: str) -> date:
        found = self._dates.get(tz_name)
        if found is None:
            found = self._dates[tz_name] = local_date(self.facts.moment, tz_name)
        return found


Rule = Callable[[Facts, Context], Sequence[Finding]]


def rule(rule_id: str, *, source: str, stages: Iterable[Stage] = ALL_STAGES):
    """Mark a function ``(facts, ctx) -> findings`` as a named rule."""

    def mark(fn):
        fn.rule_id = rule_id
        fn.source = source
        fn.stages = frozenset(stages)
        return fn

    return mark


NOTHING: tuple[Finding, ...] = ()


def number_text(value) -> str:
    """A quantity as a pharmacist reads it, by value: ``Decimal("30.00")`` and
    ``30`` both read "30", ``Decimal("2.50")`` reads "2.5", minus zero "0", so
    equal facts give the same words."""
    if isinstance(value, Decimal) and value.is_finite():
        if value == value.to_integral_value():
            return str(int(value))
        return format(value.normalize(), "f")
    return str(value)


def age_on(born: date, on: date) -> int:
    """Completed years; someone born on 29 February turns a year older on
    1 March in a common year."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))
