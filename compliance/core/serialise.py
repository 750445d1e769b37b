"""Canonical JSON of the facts and its SHA-256 fingerprint, and the way back.

The canonical form: keys sorted, no insignificant whitespace, UTF-8; dates in
ISO format; the moment (and any datetime) converted to UTC with a "Z"; sets
as sorted lists; enums by value. Numbers by value, not by spelling: a whole
Decimal is written as the integer it equals (``Decimal("30")``, ``"30.0"``,
``"30.00"``, ``"3E+1"`` and ``30`` all give ``30``), any other Decimal as its
shortest plain string (``"2.50"`` gives ``"2.5"``), and minus zero as zero;
NaN and infinities are refused. Two facts that compare equal give the same
fingerprint, whatever zone the moment was given in and whatever the hash seed.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from .facts import (
    AccountHolder,
    Allergy,
    Authorisation,
    Certification,
    ClinicalFacts,
    Drug,
    Facts,
    Ingredient,
    Interaction,
    InteractionLevel,
    Licence,
    OtherMedicine,
    OtherPrescription,
    Patient,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
)
from .findings import Finding

#: Per dataclass, the names of its init fields (what is written), in order.
_INIT_FIELDS: dict[type, tuple[str, ...]] = {}


def to_jsonable(value: Any) -> Any:
    cls = value.__class__
    if cls is str or cls is int or cls is bool or value is None:
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _INIT_FIELDS.get(cls)
        if names is None:
            names = _INIT_FIELDS[cls] = tuple(f.name for f in dataclasses.fields(value) if f.init)
        return {name: to_jsonable(getattr(value, name)) for name in names}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not allowed in facts")
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return _decimal(value)
    if isinstance(value, (frozenset, set)):
        return sorted(to_jsonable(v) for v in value)
    if isinstance(value, (tuple, list)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"cannot serialise {value!r}")
        return value + 0.0  # -0.0 -> 0.0
    if value is None or isinstance(value, (str, int, bool)):
        return value
    raise TypeError(f"cannot serialise {type(value).__name__}")


def _decimal(value: Decimal) -> int | str:
    """A Decimal by value: equal Decimals (whatever their exponent) and the
    int they may equal are written the same way."""
    if not value.is_finite():
        raise ValueError(f"cannot serialise {value!r}")
    if value == value.to_integral_value():
        return int(value)  # int(Decimal("-0")) == 0
    return format(value.normalize(), "f")


# --------------------------------------------------------- canonical JSON
#
# ``canonical_json`` writes the text ``json.dumps(to_jsonable(facts),
# sort_keys=True, separators=(",", ":"), ensure_ascii=False)`` would, byte for
# byte (fingerprints are stored and compared later), without building the
# dicts: one encoder per exact type, found in a dict, and per dataclass its
# init fields in sorted order with their keys already written. A type it does
# not know exactly (a subclass of str, a dict) goes through ``to_jsonable``
# and the same ``json`` encoder, so it is written as before.
# tests/compliance/test_fingerprint.py compares both ways on random facts.

_encode_string = json.encoder.encode_basestring
_dumps = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode


def _encode_float(value: float) -> str:
    return _dumps(to_jsonable(value))  # raises for NaN and infinities, writes -0.0 as 0.0


def _encode_datetime(value: datetime) -> str:
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed in facts")
    return _encode_string(value.astimezone(UTC).isoformat().replace("+00:00", "Z"))


#: Dates written so far (``date.isoformat`` costs as much as all the rest of a
#: licence): a date is written the same every time, and the pharmacy's licence
#: and certification dates, birth dates and prescription dates recur. Only
#: exact ``date`` keys (never a datetime); emptied when it reaches the bound.
_DATES: dict[date, str] = {}
_DATES_BOUND = 4096


def _encode_date(value: date) -> str:
    found = _DATES.get(value)
    if found is None:
        if len(_DATES) >= _DATES_BOUND:
            _DATES.clear()
        found = _DATES[value] = f'"{value.isoformat()}"'  # digits and dashes: nothing to escape
    return found


def _encode_decimal(value: Decimal) -> str:
    found = _decimal(value)
    return int.__repr__(found) if found.__class__ is int else _encode_string(found)


def _encode_sequence(value: tuple | list) -> str:
    return "[" + ",".join([_encode(v) for v in value]) + "]"


def _encode_set(value: frozenset | set) -> str:
    if all(v.__class__ is str for v in value):
        return "[" + ",".join([_encode_string(v) for v in sorted(value)]) + "]"
    return _dumps(to_jsonable(value))


def _encode_generic(value: Any) -> str:
    return _dumps(to_jsonable(value))


_ENCODERS: dict[type, Any] = {
    str: _encode_string,
    type(None): lambda value: "null",
    bool: lambda value: "true" if value else "false",
    int: int.__repr__,
    float: _encode_float,
    datetime: _encode_datetime,
    date: _encode_date,
    Decimal: _encode_decimal,
    tuple: _encode_sequence,
    list: _encode_sequence,
    frozenset: _encode_set,
    set: _encode_set,
}


# The value a field is declared to hold is tried first, written inline; any
# other value (None, or one of another type) goes through its type's encoder.
_INLINE = {
    "str": "string(v) if c is str",
    "bool": '("true" if v else "false") if c is bool',
    "int": "int_repr(v) if c is int",
    "date": "(dates.get(v) or encode_date(v)) if c is date",
}


def _dataclass_encoder(cls: type):
    """The encoder of one dataclass: its init fields (what ``to_jsonable``
    writes) in key order, each key written once. Generated as one function
    per class (as ``dataclasses`` generates ``__init__``)."""
    fields = sorted((f for f in dataclasses.fields(cls) if f.init), key=lambda f: f.name)
    if not all(f.name.isidentifier() and f.name.isascii() for f in fields):
        return _encode_generic  # not expected of a dataclass; written the slow way
    lines = ["def encode(value):"]
    for i, f in enumerate(fields):
        declared = [t.strip() for t in f.type.split("|")] if isinstance(f.type, str) else []
        tests = [_INLINE[t] for t in declared if t in _INLINE][:1]
        if "None" in declared:
            tests.append('"null" if v is None')
        lines += [
            f"    v = value.{f.name}",
            "    c = v.__class__",
            f"    x{i} = {' else '.join([*tests, '(get(c) or new)(v)'])}",
        ]
    body = ",".join(f'"{f.name}":{{x{i}}}' for i, f in enumerate(fields))
    lines.append(f"    return f'{{{{{body}}}}}'")
    namespace = {
        "string": _encode_string,
        "int_repr": int.__repr__,
        "date": date,
        "dates": _DATES,
        "encode_date": _encode_date,
        "get": _ENCODERS.get,
        "new": _encode_new,
    }
    exec("\n".join(lines), namespace)  # noqa: S102 - source built above from field names only
    return namespace["encode"]


def _encode_new(value: Any) -> str:
    """Encode a value of a type not seen yet, and remember its encoder."""
    cls = type(value)
    if cls is not value.__class__:
        return _encode_generic(value)  # an object that says it is of another class
    if dataclasses.is_dataclass(cls):
        encoder = _dataclass_encoder(cls)
    elif issubclass(cls, enum.Enum):

        def encoder(value) -> str:
            return _encode(value.value)

    else:
        encoder = _encode_generic
    _ENCODERS[cls] = encoder
    return encoder(value)


def _encode(value: Any) -> str:
    encoder = _ENCODERS.get(value.__class__)
    return encoder(value) if encoder is not None else _encode_new(value)


def canonical_json(facts: Facts) -> str:
    """The canonical JSON text of the facts: ``json.dumps(to_jsonable(facts),
    sort_keys=True, separators=(",", ":"), ensure_ascii=False)``, written directly."""
    return _encode(facts)


def fingerprint(facts: Facts) -> str:
    """SHA-256 (hex) of the canonical JSON of the facts."""
    return hashlib.sha256(_encode(facts).encode("utf-8")).hexdigest()


# ------------------------------------------------------------- the way back


def _date(v):
    return None if v is None else date.fromisoformat(v)


def _datetime(v):
    return None if v is None else datetime.fromisoformat(v.replace("Z", "+00:00"))


def _quantity(v):
    if v is None or isinstance(v, int):
        return v
    return Decimal(v)


def _build(cls, data: dict | None, converters: dict):
    if data is None:
        return None
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{cls.__name__}: unknown fields {sorted(unknown)}")
    return cls(**{k: converters[k](v) if k in converters else v for k, v in data.items()})


def facts_from_jsonable(data: dict) -> Facts:
    """Rebuild ``Facts`` from ``to_jsonable(facts)`` (e.g. a stored row), so an
    inspector can re-run exactly what was checked."""
    return _build(
        Facts,
        data,
        {
            "stage": Stage,
            "moment": _datetime,
            "drug": lambda d: _build(Drug, d, {"ingredients": _ingredients}),
            "pharmacy": lambda d: _build(
                PharmacyFacts,
                d,
                {
                    "licences": lambda xs: tuple(_build(Licence, x, {"expires_on": _date}) for x in xs),
                    "certifications": lambda xs: tuple(
                        _build(Certification, x, {"activated_on": _date, "reactivation_due": _date}) for x in xs
                    ),
                },
            ),
            "patient": lambda d: _build(Patient, d, {"date_of_birth": _date}),
            "account_holder": lambda d: _build(AccountHolder, d, {"date_of_birth": _date}),
            "prescriber": lambda d: _build(Prescriber, d, {}),
            "prescription": lambda d: _build(
                PrescriptionFacts,
                d,
                {
                    "quantity": _quantity,
                    "date_written": _date,
                    "completed_by_pharmacist": frozenset,
                    "earliest_fill_date": _date,
                    "same_day_schedule_ii": lambda xs: tuple(
                        _build(OtherPrescription, x, {"date_written": _date, "earliest_fill_date": _date}) for x in xs
                    ),
                    "last_fill_on": _date,
                },
            ),
            "authorisation": lambda d: _build(
                Authorisation,
                d,
                {"do_not_dispense_after": _date, "quantity": _quantity, "obtained_at": _datetime},
            ),
            "promised_delivery_on": _date,
            "clinical": lambda d: _build(
                ClinicalFacts,
                d,
                {
                    "allergies": lambda xs: tuple(_build(Allergy, x, {}) for x in xs),
                    "conditions": frozenset,
                    "medicines": lambda xs: tuple(_build(OtherMedicine, x, {"ingredients": _ingredients}) for x in xs),
                    "unmapped_medicines": tuple,
                    "interactions": lambda xs: tuple(_build(Interaction, x, {"level": InteractionLevel}) for x in xs),
                    "overridden": frozenset,
                },
            ),
        },
    )


def _ingredients(xs) -> tuple[Ingredient, ...]:
    return tuple(_build(Ingredient, x, {"classes": frozenset}) for x in xs)


def findings_to_jsonable(findings) -> list[dict]:
    return [f.to_dict() for f in findings]


def findings_from_jsonable(data) -> tuple[Finding, ...]:
    return tuple(Finding.from_dict(d) for d in data)
