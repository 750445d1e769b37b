"""The one grammar for what a stored compliance evaluation is about: its subject.

Every evaluation is about one prescription, whatever the stage it ran at:

    prescription:<id>                                        the prescription itself (review)
    prescription:<id>:order:<number>:basket-line:<line id>   checkout: a line of the basket that becomes order <number>
                                                             (the order's own lines do not exist yet)
    prescription:<id>:order:<number>:line:<line id>          dispense: a line of order <number>

The subject says *what* was checked; *when* is the evaluation's ``stage``
column (verify, checkout, dispense, from its facts). The prescription comes
first so that a subject read on its own names the patient's record it belongs
to; the same number is also stored in the evaluation's own indexed column,
``ComplianceEvaluation.prescription_id``, written from the same ``Subject`` by
``compliance.services.evaluate_and_record``. "Every evaluation about
prescription 42" (the retention purge, the inspector's history) is then one
indexed equality, ``about_prescription(42)``, rather than string matching.

Build subjects with ``for_prescription``, ``for_basket_line`` and
``for_order_line``; read one back with ``parse``.

Before this grammar, the checkout and the dispense step wrote spellings
without the prescription (``legacy`` below, read by ``parse_legacy``):

    order:<number>:line:<basket line id>            checkout
    order:<number>:line:<order line id>:dispense    dispense

Stored evaluations are evidence and are never rewritten, so these spellings
stay in the database and stay readable here; the data migration
``prescriptions/migrations/0004_evaluation_prescription_backfill.py`` filled
their ``prescription_id`` from the basket and order lines they name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

MAX_LENGTH = 120  # ComplianceEvaluation.subject

_ID = r"[1-9][0-9]{0,18}"
# Oscar's order numbers are digits (100000 + basket id); any word characters and hyphens
# are allowed, never a colon, which separates the parts.
_NUMBER = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"
_NUMBER_RE = re.compile(_NUMBER)

_CANONICAL = re.compile(
    rf"prescription:(?P<prescription>{_ID})"
    rf"(?::order:(?P<order>{_NUMBER}):(?P<kind>basket-line|line):(?P<line>{_ID}))?"
)
_LEGACY = re.compile(rf"order:(?P<order>{_NUMBER}):line:(?P<line>{_ID})(?P<dispense>:dispense)?")

BASKET_LINE = "basket-line"
ORDER_LINE = "line"


def _positive_id(value, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer, not {value!r}")
    return value


@dataclass(frozen=True)
class Subject:
    """What one evaluation is about: a prescription, alone or as one line of an order.

    ``line_kind`` is ``BASKET_LINE`` (checkout, before the order exists) or
    ``ORDER_LINE`` (a placed order's line); both or neither of ``order_number``
    and ``line_id`` are given. ``str(subject)`` is its spelling.
    """

    prescription_id: int
    order_number: str | None = None
    line_kind: str | None = None
    line_id: int | None = None

    def __post_init__(self):
        _positive_id(self.prescription_id, "prescription_id")
        order_parts = (self.order_number, self.line_kind, self.line_id)
        if any(part is not None for part in order_parts):
            if None in order_parts:
                raise ValueError("an order line subject needs the order number, the kind of line and its id")
            if not isinstance(self.order_number, str) or not _NUMBER_RE.fullmatch(self.order_number):
                raise ValueError(f"not an order number: {self.order_number!r}")
            if self.line_kind not in (BASKET_LINE, ORDER_LINE):
                raise ValueError(f"line_kind must be {BASKET_LINE!r} or {ORDER_LINE!r}, not {self.line_kind!r}")
            _positive_id(self.line_id, "line_id")
        if len(str(self)) > MAX_LENGTH:
            raise ValueError(f"a subject is at most {MAX_LENGTH} characters: {str(self)!r}")

    def __str__(self) -> str:
        text = f"prescription:{self.prescription_id}"
        if self.order_number is not None:
            text += f":order:{self.order_number}:{self.line_kind}:{self.line_id}"
        return text


def for_prescription(prescription_id: int) -> Subject:
    """The prescription itself, as the review workspace checks it."""
    return Subject(prescription_id)


def for_basket_line(*, prescription_id: int, order_number, basket_line_id: int) -> Subject:
    """The prescription as one basket line of the order being placed (checkout)."""
    return Subject(prescription_id, str(order_number), BASKET_LINE, basket_line_id)


def for_order_line(*, prescription_id: int, order_number, line_id: int) -> Subject:
    """The prescription as one line of a placed order (dispense)."""
    return Subject(prescription_id, str(order_number), ORDER_LINE, line_id)


def parse(text: str) -> Subject:
    """The ``Subject`` a spelling names; ``ValueError`` unless it is spelt by this grammar.

    Only the current spellings parse: a legacy one (``parse_legacy``) does not
    name its prescription.
    """
    match = _CANONICAL.fullmatch(text or "") if isinstance(text, str) else None
    if match is None:
        raise ValueError(
            "a subject is spelt 'prescription:<id>' or 'prescription:<id>:order:<number>:basket-line|line:<id>', "
            f"not {text!r}"
        )
    if match["order"] is None:
        return Subject(int(match["prescription"]))
    return Subject(int(match["prescription"]), match["order"], match["kind"], int(match["line"]))


@dataclass(frozen=True)
class LegacyOrderLine:
    """An evaluation subject written before this grammar: an order's line, no prescription.

    At checkout the line was the *basket* line (``line_kind == BASKET_LINE``),
    at dispense the order's own line (``ORDER_LINE``, spelt with ``:dispense``).
    """

    order_number: str
    line_kind: str
    line_id: int


def parse_legacy(text: str) -> LegacyOrderLine | None:
    """The order line a legacy spelling names, or None if ``text`` is not one."""
    match = _LEGACY.fullmatch(text or "") if isinstance(text, str) else None
    if match is None:
        return None
    kind = ORDER_LINE if match["dispense"] else BASKET_LINE
    return LegacyOrderLine(match["order"], kind, int(match["line"]))


def about_prescription(prescription_id: int) -> Q:
    """Every evaluation about ``prescription_id``, whatever its stage or order line
    (a filter on ``ComplianceEvaluation``)."""
    return Q(prescription_id=_positive_id(prescription_id, "prescription_id"))
