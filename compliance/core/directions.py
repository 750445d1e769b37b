"""Reading simple directions (the sig) into a daily dose, in dosage units.

RULES.md 2.5: ``days' supply = quantity / daily dose``, with the daily dose
parsed from the directions and confirmed by the pharmacist. Only plain,
unambiguous sigs are read; anything else returns None and is left to the
pharmacist, who reads every sig anyway:

- "Take 1 capsule by mouth twice daily", "1 tab PO q12h", "two capsules
  daily", "once a day", "take 1/2 tablet bid", "1 tablet every other day",
  "1 tablet once a week" are read;
- "as needed" (PRN), ranges ("1-2 tablets", "every 4 to 6 hours"), tapers and
  combinations ("then", "and", "or"), amounts in mg/mL/units, and topical,
  inhaled or injected directions are not.

A sig with no number of units ("once a day") means one unit per dose.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_WORD_NUMBERS = {
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "a": 1,
    "an": 1,
    "half": Decimal("0.5"),
    "one-half": Decimal("0.5"),
}
_NUMBER = r"(?:\d+(?:\.\d+)?|\d+/\d+|one-half|one|two|three|four|five|six|seven|eight|nine|ten|half|an|a)"
_UNIT = r"(?:tablets?|tabs?|capsules?|caps?|pills?|caplets?|softgels?|lozenges?)"
_DOSE = re.compile(rf"\b(?P<n>{_NUMBER})\s*(?P<u>{_UNIT})\b")
_UNIT_ALONE = re.compile(rf"\b{_UNIT}\b")

_PER = r"(?:a|per|each|every)\s+"
_FREQUENCIES = (
    # (pattern, doses per day); one alternation, longest phrases first, so
    # "twice daily" is read once and not also as "daily".
    (rf"(?:twice|two\s+times|2\s+times|2x)\s+(?:{_PER})?day|(?:twice|two\s+times|2\s+times|2x)\s+daily|bid", 2),
    (rf"(?:three|3)\s+times\s+(?:{_PER})?day|(?:three|3)\s+times\s+daily|3x\s+(?:daily|{_PER}day)|tid", 3),
    (rf"(?:four|4)\s+times\s+(?:{_PER})?day|(?:four|4)\s+times\s+daily|4x\s+(?:daily|{_PER}day)|qid", 4),
    (r"every\s+other\s+day|qod", Decimal(1) / 2),
    (rf"once\s+(?:{_PER})?week|once\s+weekly|weekly|every\s+week|qweek|qwk", Decimal(1) / 7),
    (
        rf"(?:once|one\s+time|1\s+time|1x)\s+(?:{_PER})?day|(?:once|one\s+time|1\s+time)\s+daily|daily|every\s+day"
        r"|qd|qday|qam|qpm|qhs|nightly|at\s+bedtime|every\s+(?:morning|evening|night)"
        r"|in\s+the\s+(?:morning|evening)",
        1,
    ),
)
_HOURLY = r"(?:every|q)\s*(?P<h>\d+)\s*(?:hours?|hrs?|h)"
_FREQUENCY_SOURCE = r"\b(?:" + "|".join(f"(?P<f{i}>{p})" for i, (p, _) in enumerate(_FREQUENCIES)) + f"|{_HOURLY})\\b"
#: Each phrase above starts with one of these characters: the lookahead lets
#: the matcher skip any other word at once (the same matches, found faster;
#: tests/compliance/test_core_caches.py compares both).
_FREQUENCY_FIRST = "[abdefinoqtw1234]"
_FREQUENCY = re.compile(rf"(?={_FREQUENCY_FIRST}){_FREQUENCY_SOURCE}")
_HOURS_PER_DAY = 24
#: (group name, doses per day) of each phrase group of ``_FREQUENCY``.
_PER_DAY = tuple((f"f{i}", Decimal(v)) for i, (_, v) in enumerate(_FREQUENCIES))

# Directions the parser does not read: the pharmacist does.
_REFUSE = re.compile(
    r"\b(?:prn|as\s+needed|if\s+needed|when\s+needed|as\s+directed|then|taper|followed|until|and|or|to|alternate"
    r"|mg|mcg|g|gm|grams?|ml|milliliters?|millilitres?|units?|iu|puffs?|drops?|sprays?|patch(?:es)?"
    r"|apply|inject|inhale|instill|insert|dissolve|chew|month|monthly|max|maximum|up)\b"
    r"|\d\s*-\s*\d|\d\s*(?:mg|mcg|g|ml)\b"
)
# Only a word of this set can start a word of ``_REFUSE``: a sig without one
# is refused only for its numbers (the same answer as ``_REFUSE``, faster;
# tests/compliance/test_core_caches.py compares both).
_REFUSE_FIRST_WORDS = frozenset(
    "prn as if when then taper followed until and or to alternate mg mcg g gm gram grams ml milliliter"
    " milliliters millilitre millilitres unit units iu puff puffs drop drops spray sprays patch patches apply"
    " inject inhale instill insert dissolve chew month monthly max maximum up".split()
)
_WORD_RUN = re.compile(r"\w+")
_REFUSE_NUMBERS = re.compile(r"\d\s*-\s*\d|\d\s*(?:mg|mcg|g|ml)\b")


def _refused(text: str) -> bool:
    """Whether ``_REFUSE`` finds something in ``text``."""
    if _REFUSE_FIRST_WORDS.isdisjoint(_WORD_RUN.findall(text)):
        return _REFUSE_NUMBERS.search(text) is not None
    return _REFUSE.search(text) is not None


_DURATION = re.compile(r"\bfor\s+(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten)\s+(?:days?|weeks?)\b")
_ANY_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|half)\b")


_STRAY_DOT = re.compile(r"(?<!\d)\.|\.(?!\d)")
_PUNCTUATION = str.maketrans(",;:()", "     ")


def _normalise(text: str) -> str:
    text = text.lower().replace("½", " 1/2 ").replace("×", "x")
    if "." in text:
        text = _STRAY_DOT.sub("", text)  # "b.i.d." -> "bid", "tab." -> "tab"; keeps "1.5"
    # Runs of whitespace (str.split's, the same as the regex \s) become one space.
    return " ".join(text.translate(_PUNCTUATION).split())


def _number(token: str) -> Decimal | None:
    if token in _WORD_NUMBERS:
        return Decimal(_WORD_NUMBERS[token])
    try:
        if "/" in token:
            top, bottom = token.split("/")
            return Decimal(top) / Decimal(bottom) if Decimal(bottom) != 0 else None
        return Decimal(token)
    except (InvalidOperation, ValueError):
        return None


def daily_dose(directions: str) -> Decimal | None:
    """Dosage units per day read from ``directions``, or None when the sig is
    not one this reader understands for certain. Never raises.

    Pure, so the last sigs read are remembered (``_daily_dose``): every
    evaluation of a prescription reads the same sig again."""
    if not isinstance(directions, str):
        return None
    return _daily_dose(directions)


@lru_cache(maxsize=1024)
def _daily_dose(directions: str) -> Decimal | None:
    text = _normalise(directions)
    if not text or _refused(text):
        return None
    text = _DURATION.sub(" ", text)  # "for 10 days" does not change the daily dose
    frequencies = list(_FREQUENCY.finditer(text))
    if len(frequencies) != 1:
        return None
    found = frequencies[0]
    if found.group("h") is not None:
        hours = int(found.group("h"))
        if hours <= 0 or hours > _HOURS_PER_DAY or _HOURS_PER_DAY % hours:
            return None
        per_day = Decimal(_HOURS_PER_DAY // hours)
    else:
        per_day = next(v for name, v in _PER_DAY if found.group(name) is not None)
    rest = text[: found.start()] + " " + text[found.end() :]
    doses = list(_DOSE.finditer(rest))
    if len(doses) > 1:
        return None
    if doses:
        amount = _number(doses[0].group("n"))
        rest = rest[: doses[0].start()] + " " + rest[doses[0].end() :]
    else:
        amount = Decimal(1)
    if amount is None or amount <= 0 or _ANY_NUMBER.search(rest) or len(_UNIT_ALONE.findall(rest)) > 1:
        return None
    return amount * per_day
