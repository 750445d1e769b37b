"""Programme registry: a programme is a module that registers a ``Programme``
(its code, name, time zone and dated versions). A version declares the rules
that apply while it is in force, its caps and its authorisation.

The version in force is chosen by the evaluation date in the programme's own
time zone. A version's start is either a fixed date or an ``EffectiveDate``
whose value can be overridden by ``Config.effective_dates`` (e.g. from a
Django setting), so a dated change is configuration, not code.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from ..config import DEFAULT_CONFIG, Config
from ..facts import Stage
from ..findings import Finding

# A rule is ``(facts, ctx) -> findings`` marked by ``context.rule`` (see
# ``context.Rule``). It is spelled loosely here because the context holds the
# programme version in force, so ``context`` imports this module; importing
# ``context`` back would make a cycle.
Rule = Callable[..., Sequence[Finding]]


@dataclass(frozen=True, slots=True)
class EffectiveDate:
    """A start date that ``Config.effective_dates[key]`` may override."""

    key: str
    default: date

    def resolve(self, config: Config) -> date:
        return config.effective_dates.get(self.key, self.default)


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgrammeVersion:
    """One dated version of a programme (RULES.md 4: effective_from,
    max_days_supply, refills_allowed, med_guide, authorisation, risk
    categories). ``retired`` marks a programme that no longer applies: it
    contributes no rules."""

    code: str
    label: str
    effective_from: date | EffectiveDate
    rules: tuple[Rule, ...] = ()
    retired: bool = False
    max_days_supply: int | None = None
    refills_allowed: int | None = None
    medication_guide_required: bool = False
    pharmacy_certification_required: bool = False
    authorisation_required_at: frozenset[Stage] = frozenset()
    risk_categories: tuple[str, ...] = ()
    minimum_age: int | None = None
    notes: str = ""
    _by_stage: dict = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_stage", {s: tuple(r for r in self.rules if s in r.stages) for s in Stage})

    def starts_on(self, config: Config = DEFAULT_CONFIG) -> date:
        start = self.effective_from
        return start if isinstance(start, date) else start.resolve(config)

    def rules_for(self, stage: Stage) -> tuple[Rule, ...]:
        return self._by_stage[stage]


@dataclass(frozen=True, slots=True, kw_only=True)
class Programme:
    """A registered programme. ``versions`` are in chronological order."""

    code: str
    name: str
    versions: tuple[ProgrammeVersion, ...]
    timezone: str = "America/New_York"

    def version_on(self, on: date, config: Config = DEFAULT_CONFIG) -> ProgrammeVersion | None:
        for version in reversed(self.versions):
            if version.starts_on(config) <= on:
                return version
        return None


_REGISTRY: dict[str, Programme] = {}


def register(programme: Programme, *, replace: bool = False) -> Programme:
    """Add a programme under its code. Re-registering a code is an error unless
    ``replace`` is given (tests use it)."""
    if programme.code in _REGISTRY and not replace:
        raise ValueError(f"programme {programme.code!r} is already registered")
    starts = [v.starts_on(DEFAULT_CONFIG) for v in programme.versions]
    if starts != sorted(starts):
        raise ValueError(f"programme {programme.code!r}: versions must be in chronological order")
    _REGISTRY[programme.code] = programme
    return programme


def unregister(code: str) -> None:
    _REGISTRY.pop(code, None)


def programme(code: str) -> Programme | None:
    """The registered programme for a code, whatever the date."""
    return _REGISTRY.get(code)


def get_programme(code: str, on: date, *, config: Config = DEFAULT_CONFIG) -> ProgrammeVersion | None:
    """The version of programme ``code`` in force on ``on`` (a calendar date in
    the programme's time zone), or None if the code is unknown or no version
    has started. A retired programme returns its retired version."""
    found = _REGISTRY.get(code)
    return None if found is None else found.version_on(on, config)


def registered_codes() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def programmes() -> Iterable[Programme]:
    return tuple(_REGISTRY[c] for c in sorted(_REGISTRY))
