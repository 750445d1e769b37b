"""NPI (RULES.md 2.3) and DEA number (RULES.md 2.4) checks, usable by forms
and by the rule engine."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from .context import NOTHING, Context, rule
from .facts import Facts
from .findings import Finding, Severity
from .online_rules import is_controlled
from .wording import gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

NPI_RULE = "rx.npi"
NPI_SOURCE = "45 CFR 162.406; CMS NPI check digit (ISO/IEC 7812 Luhn formula)"
DEA_RULE = "rx.dea-number"
DEA_SOURCE = "21 CFR 1306.05(a): the prescriber's DEA registration number"

# ---------------------------------------------------------------- NPI (2.3)

# Luhn contribution of the "80840" prefix (8 + 0 + 8 + 8 + 0), so the short
# form "Luhn on the first 9 digits plus 24" gives the same check digit.
_NPI_PREFIX_SUM = 24
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # 2*d, minus 9 when over 9


def luhn_is_valid(digits: str) -> bool:
    """The standard Luhn check (check digit rightmost)."""
    if not digits or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, ch in enumerate(reversed(digits), start=1):
        d = ord(ch) - 48
        total += _DOUBLED[d] if position % 2 == 0 else d
    return total % 10 == 0


def npi_check_digit(first_nine: str) -> int:
    """The NPI check digit for nine digits (the 80840-prefixed Luhn, short form)."""
    total = _NPI_PREFIX_SUM
    for i, ch in enumerate(first_nine):
        d = ord(ch) - 48
        total += _DOUBLED[d] if i % 2 == 0 else d
    return (10 - total % 10) % 10


def npi_is_valid(npi: object) -> bool:
    """Ten ASCII digits whose check digit is right (RULES.md 2.3).

    A valid checksum does not mean the NPI was issued: confirm in NPPES.
    """
    if not isinstance(npi, str) or len(npi) != 10 or not (npi.isascii() and npi.isdigit()):
        return False
    return _npi_check_digit_is_right(npi)


@lru_cache(maxsize=1024)
def _npi_check_digit_is_right(npi: str) -> bool:
    """Pure; the same few prescribers' NPIs are checked at every evaluation."""
    return npi_check_digit(npi[:9]) == ord(npi[9]) - 48


def npi_check(npi: str | None) -> tuple[Finding, ...]:
    """BLOCK for a malformed NPI or a wrong check digit; WARN when the first
    digit is not 1 or 2 (only those are issued). RULES.md 2.3."""
    if npi is None or npi == "":
        return NOTHING  # a missing NPI is a missing element (RULES.md 2.1)
    if not npi_is_valid(npi):
        if not (npi.isascii() and npi.isdigit()):
            why = "it must contain digits only"
        elif len(npi) != 10:
            why = f"it has {len(npi)} digits, not 10"
        else:
            why = "its check digit is wrong"
        return (
            Finding(
                NPI_RULE,
                BLOCK,
                f"Prescriber NPI {npi!r} is not valid: {why}. Confirm the NPI with the prescriber or NPPES.",
                gettext_noop(
                    "We could not confirm your prescriber's details. Our pharmacist will contact your prescriber."
                ),
                NPI_SOURCE,
            ),
        )
    if npi[0] not in "12":
        return (
            Finding(
                NPI_RULE,
                WARN,
                f"Prescriber NPI {npi} starts with {npi[0]}; issued NPIs start with 1 or 2. Look it up in NPPES.",
                gettext_noop("Our pharmacist is checking your prescriber's details."),
                NPI_SOURCE,
            ),
        )
    return NOTHING


@rule(NPI_RULE, source=NPI_SOURCE)
def prescriber_npi_is_valid(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """45 CFR 162.406, CMS NPI check digit (RULES.md 2.3): the prescriber's NPI passes the 80840-prefixed Luhn check."""
    prescriber = facts.prescriber
    if prescriber is None:
        return NOTHING
    return npi_check(prescriber.npi)


# ---------------------------------------------------------------- DEA (2.4)

_DEA_FORMAT = re.compile(r"([A-Z])([A-Z9])([0-9]{7})")
_SUFFIX_FORMAT = re.compile(r"[A-Z0-9]+")

PRACTITIONER_TYPES = {
    "A": "practitioner or institution",
    "B": "practitioner or institution",
    "F": "practitioner or institution",
    "G": "practitioner or institution",
    "M": "mid-level practitioner",
    "X": "former DATA-waiver practitioner",
}
NON_PRESCRIBER_TYPES = {"P": "manufacturer or distributor", "R": "manufacturer or distributor"}

_NAME_SUFFIXES = frozenset({"JR", "SR", "II", "III", "IV", "MD", "DO", "NP", "PA", "DDS", "DMD", "DPM", "PHD"})


def last_name_of(name: str) -> str | None:
    """The last word of a person's name, ignoring degrees and generational
    suffixes ("Jane A. Smith, MD" -> "Smith")."""
    words = [w.strip(".").upper() for w in name.split(",")[0].split()]
    words = [w for w in words if w and w not in _NAME_SUFFIXES]
    return words[-1] if words else None


def dea_check_digit(six: str) -> int:
    """(d1+d3+d5) + 2*(d2+d4+d6), last digit (RULES.md 2.4)."""
    d = [ord(c) - 48 for c in six]
    return (d[0] + d[2] + d[4] + 2 * (d[1] + d[3] + d[5])) % 10


@dataclass(frozen=True, slots=True)
class DeaNumberCheck:
    """The result of ``dea_number_check``: the parts, what passed, and findings.

    ``valid`` is format and check digit; registrant type and last-name letter
    only WARN (names change, types are informative).
    """

    dea_number: str
    base: str | None
    suffix: str | None
    well_formed: bool
    check_digit_ok: bool
    registrant_type: str | None
    registrant_kind: str | None
    last_name_matches: bool | None
    findings: tuple[Finding, ...]

    @property
    def valid(self) -> bool:
        return self.well_formed and self.check_digit_ok

    @property
    def errors(self) -> tuple[str, ...]:
        """Pharmacist-facing sentences, for a form's ValidationError."""
        return tuple(f.pharmacist_message for f in self.findings if f.severity is BLOCK)


def dea_number_check(dea_number: str, last_name: str | None = None, *, controlled: bool = True) -> DeaNumberCheck:
    """Check a DEA number (RULES.md 2.4).

    Strips surrounding spaces and any ``-suffix`` (institutional sub-ID), then
    checks: two characters plus seven digits; the check digit; the registrant
    type letter (unknown or non-prescriber: WARN); the second letter against
    the last name (``9`` is a business name; mismatch: WARN). A bad format or
    check digit is BLOCK for a controlled prescription and WARN otherwise (a
    DEA number is not required there, but a wrong one suggests a forgery).
    """
    bad = BLOCK if controlled else WARN
    text = dea_number.strip().upper()
    base, sep, suffix = text.partition("-")
    found: list[Finding] = []
    customer = gettext_noop(
        "We could not confirm your prescriber's details. Our pharmacist will contact your prescriber."
    )
    match = _DEA_FORMAT.fullmatch(base)
    if match is None or (sep and not _SUFFIX_FORMAT.fullmatch(suffix)):
        found.append(
            Finding(
                DEA_RULE,
                bad,
                f"DEA number {dea_number!r} is not two letters (or a letter and 9) followed by seven digits"
                " with an optional -suffix. Confirm it with the prescriber.",
                customer,
                DEA_SOURCE,
            )
        )
        return DeaNumberCheck(dea_number, None, None, False, False, None, None, None, tuple(found))
    kind_letter, name_letter, digits = match.groups()
    check_ok = dea_check_digit(digits[:6]) == ord(digits[6]) - 48
    if not check_ok:
        found.append(
            Finding(
                DEA_RULE,
                bad,
                f"DEA number {base} fails the check digit (expected {dea_check_digit(digits[:6])},"
                f" found {digits[6]}). Confirm it with the prescriber.",
                customer,
                DEA_SOURCE,
            )
        )
    kind = PRACTITIONER_TYPES.get(kind_letter)
    if kind is None:
        other = NON_PRESCRIBER_TYPES.get(kind_letter)
        found.append(
            Finding(
                DEA_RULE,
                WARN,
                f"DEA number {base} has registrant type {kind_letter!r}"
                + (f" ({other}), which does not prescribe." if other else ", which is not a known prescriber type.")
                + " Check the registration.",
                gettext_noop("Our pharmacist is checking your prescriber's details."),
                DEA_SOURCE,
            )
        )
        kind = other
    matches: bool | None = None
    if name_letter != "9" and last_name:
        matches = last_name.strip()[:1].upper() == name_letter
        if not matches:
            found.append(
                Finding(
                    DEA_RULE,
                    WARN,
                    f"DEA number {base} has {name_letter!r} as its second letter, but the prescriber's last name"
                    f" is {last_name!r}. Check the registrant (names change).",
                    gettext_noop("Our pharmacist is checking your prescriber's details."),
                    DEA_SOURCE,
                )
            )
    return DeaNumberCheck(dea_number, base, suffix or None, True, check_ok, kind_letter, kind, matches, tuple(found))


@rule(DEA_RULE, source=DEA_SOURCE)
def prescriber_dea_number_is_valid(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 1306.05(a) (RULES.md 2.4): a DEA number, when given, is well formed, has the right
    check digit (BLOCK for a controlled drug), a prescriber registrant type and
    the last name's initial (WARN). A missing DEA number on a controlled
    prescription is a missing element (RULES.md 2.1)."""
    prescriber = facts.prescriber
    if prescriber is None or not prescriber.dea_number:
        return NOTHING
    return dea_number_check(
        prescriber.dea_number,
        prescriber.last_name or last_name_of(prescriber.name),
        controlled=is_controlled(facts.drug.dea_schedule),
    ).findings
