"""The canonical JSON as ``compliance.core.serialise`` wrote it before it was
made faster (issue 25): ``to_jsonable`` then ``json.dumps``. Kept unchanged
as the reference the fast writer must match byte for byte, since fingerprints
are stored and compared later."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any


def to_jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value) if f.init}
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
    if not value.is_finite():
        raise ValueError(f"cannot serialise {value!r}")
    if value == value.to_integral_value():
        return int(value)
    return format(value.normalize(), "f")


def canonical_json(facts) -> str:
    return json.dumps(to_jsonable(facts), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
