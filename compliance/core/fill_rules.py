"""Is the pack in the hand the pack that was verified? (fill accuracy at the dispense bench)

Barcode verification at fill is how a pharmacy prevents wrong-drug and wrong-strength
errors. Each pack of a prescription drug carries a GS1 DataMatrix (the DSCSA product
identifier, 21 USC 360eee(14) and 360eee-1(b)): GTIN (AI 01), expiry (AI 17), lot
(AI 10) and serial (AI 21). A US drug's GTIN-14 is ``0`` + ``03`` + the 10-digit NDC +
a GS1 check digit; the 10 digits split 4-4-2, 5-3-2 or 5-4-1 and only the FDA's NDC
Directory says which.

Pure functions and one rule set, ``pack_findings``; "today" is an argument.

The decisions (and why):

- **Wrong pack: BLOCK.** The scanned package NDC is not one of the verified
  product's package NDCs: a different drug, a different strength, or a pack size the
  product is not (21 USC 353(b)(1): dispense the drug as prescribed; state boards treat
  a wrong drug or strength as misbranding).
- **Expired on the day it is filled, or on the day it is promised to reach the patient:
  BLOCK.** An expired drug is adulterated (21 CFR 211.137; 21 USC 351(a)(2)(B)) and
  may not be dispensed; a pack that expires in the post is no better. A GS1 expiry date
  means "use by the end of that day".
- **Expires before the end of the days' supply (counted from the promised delivery date):
  WARN.** The pack is in date when the patient gets it but runs out of date before the
  last dose. A pharmacist may still release it (the label's beyond-use date is then the
  pack's expiry, never later; USP <17>), choose a fresher pack, or counsel the patient;
  it is their judgement, so it is recorded, not refused.
- **Unreadable symbol, bad GTIN check digit, not a US drug GTIN, no lot or serial: BLOCK.**
  A scan that cannot be read with certainty is no verification at all.
- **The same serial scanned twice: BLOCK.** One pack is one serial (DSCSA); counting it
  twice would release fewer units than the label says.
- **Quantity not confirmed for the pack: BLOCK.** The person filling confirms the pack is
  whole and holds the labelled count; a pack beyond the line's quantity does not count.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from .findings import Finding, Severity
from .wording import gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

FILL_WRONG_PACK = "fill.wrong-pack"
FILL_UNKNOWN_NDC = "fill.unknown-ndc"
FILL_EXPIRED = "fill.expired"
FILL_EXPIRES_IN_TRANSIT = "fill.expires-before-delivery"
FILL_EXPIRES_DURING_SUPPLY = "fill.expires-during-supply"
FILL_NO_LOT = "fill.no-lot"
FILL_NO_SERIAL = "fill.no-serial"
FILL_NO_EXPIRY = "fill.no-expiry"
FILL_DUPLICATE_SERIAL = "fill.duplicate-serial"
FILL_QUANTITY_UNCONFIRMED = "fill.quantity-unconfirmed"
FILL_TOO_MANY = "fill.too-many-packs"

SOURCE_MATCH = "21 USC 353(b)(1): dispense the drug and strength prescribed; NDC Directory (21 CFR 207.35)"
SOURCE_EXPIRY = "21 CFR 211.137; 21 USC 351(a)(2)(B): no expired drug is dispensed"
SOURCE_BUD = "USP <17>: the beyond-use date is never later than the manufacturer's expiry"
SOURCE_DSCSA = "21 USC 360eee(14), 360eee-1(d): the product identifier (GTIN, serial, lot, expiry)"

# ---------------------------------------------------------------- GTIN and NDC


def gs1_check_digit(body: str) -> int:
    """The GS1 mod-10 check digit for ``body`` (every digit but the check digit):
    from the right, weights 3, 1, 3, 1 …"""
    if not body or not (body.isascii() and body.isdigit()):
        raise ValueError(f"Not digits: {body!r}")
    total = sum((ord(ch) - 48) * (3 if position % 2 == 0 else 1) for position, ch in enumerate(reversed(body)))
    return (10 - total % 10) % 10


def gtin_is_valid(gtin: str) -> bool:
    """A GTIN-8/12/13/14 whose last digit is its GS1 check digit."""
    if len(gtin) not in (8, 12, 13, 14) or not (gtin.isascii() and gtin.isdigit()):
        return False
    return gs1_check_digit(gtin[:-1]) == int(gtin[-1])


def ndc_digits_from_gtin(gtin: str) -> str | None:
    """The 10 NDC digits of a US drug's GTIN-14 (``0`` + ``03`` + NDC10 + check digit),
    or None when the GTIN is not one (wrong length, another country's prefix)."""
    if len(gtin) != 14 or not (gtin.isascii() and gtin.isdigit()) or not gtin.startswith("003"):
        return None
    return gtin[3:13]


def gtin_for_ndc(ndc: str) -> str:
    """The GTIN-14 of a package NDC (dashed or 10 digits): the inverse of ``ndc_digits_from_gtin``."""
    digits = ndc_digits(ndc)
    body = "003" + digits
    return body + str(gs1_check_digit(body))


# The three 10-digit layouts (labeler-product-package), FDA 21 CFR 207.33.
LAYOUTS = ((4, 4, 2), (5, 3, 2), (5, 4, 1))


def ndc_digits(ndc: str) -> str:
    """The 10 digits of an NDC written dashed (any of the three layouts) or plain."""
    digits = ndc.replace("-", "").strip()
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        raise ValueError(f"Not a 10-digit NDC: {ndc!r}")
    return digits


def dashed_candidates(digits: str) -> tuple[str, ...]:
    """The three ways 10 NDC digits may be dashed; only the NDC Directory knows which is real."""
    out = []
    for a, b, _c in LAYOUTS:
        out.append(f"{digits[:a]}-{digits[a : a + b]}-{digits[a + b :]}")
    return tuple(out)


def ndc_is_dashed(ndc: str) -> bool:
    parts = ndc.split("-")
    return (
        len(parts) == 3 and tuple(len(p) for p in parts) in LAYOUTS and all(p.isascii() and p.isdigit() for p in parts)
    )


def ndc11(ndc: str) -> str:
    """The 11-digit (5-4-2) billing form of a dashed NDC: the short part padded with a zero."""
    labeler, product, package = ndc.split("-")
    return f"{labeler.zfill(5)}-{product.zfill(4)}-{package.zfill(2)}"


# ---------------------------------------------------------------- the pack rules


@dataclass(frozen=True, slots=True)
class PackFacts:
    """One scanned (or keyed) pack at fill, against the verified product.

    ``ndc`` is the dashed package NDC found in the NDC Directory for the scanned
    digits (empty when the directory has none); ``expected_ndcs`` the product's
    package NDCs. ``arrives_on`` is the promised delivery date (mail order);
    ``days_supply`` the prescription's days' supply (None when not written).
    """

    ndc: str
    ndc_digits: str
    expected_ndcs: tuple[str, ...]
    product_title: str
    lot: str
    serial: str
    expires_on: datetime.date | None
    today: datetime.date
    arrives_on: datetime.date | None = None
    days_supply: int | None = None
    serial_already_used: bool = False
    quantity_confirmed: bool = True
    manual: bool = False
    packs_needed: int = 1
    packs_counted: int = 0


def pack_matches(*, ndc_digits_scanned: str, expected_ndcs: tuple[str, ...]) -> bool:
    """The comparison is on the 10 digits: a dashed NDC names exactly one package and
    its digits are unique across layouts in the NDC Directory."""
    expected = set()
    for ndc in expected_ndcs:
        try:
            expected.add(ndc_digits(ndc))
        except ValueError:
            continue
    return ndc_digits_scanned in expected


def _f(rule_id: str, severity: Severity, message: str, source: str) -> Finding:
    return Finding(rule_id, severity, message, gettext_noop("Your order is being prepared by our pharmacy."), source)


def pack_findings(facts: PackFacts) -> tuple[Finding, ...]:
    """Every finding about one pack (see the module docstring for each decision)."""
    found: list[Finding] = []
    shown = facts.ndc or facts.ndc_digits
    if not pack_matches(ndc_digits_scanned=facts.ndc_digits, expected_ndcs=facts.expected_ndcs):
        expected = ", ".join(facts.expected_ndcs) or "none recorded"
        found.append(
            _f(
                FILL_WRONG_PACK,
                BLOCK,
                f"Wrong drug/strength/pack: NDC {shown} is not {facts.product_title} "
                f"(verified package NDC(s): {expected}). Put this pack back and take the right one.",
                SOURCE_MATCH,
            )
        )
    elif not facts.ndc:
        found.append(
            _f(
                FILL_UNKNOWN_NDC,
                BLOCK,
                f"NDC digits {facts.ndc_digits} are not in the NDC Directory loaded here; "
                "import a current directory before filling with this pack.",
                SOURCE_MATCH,
            )
        )
    if not facts.manual:
        if not facts.lot:
            found.append(_f(FILL_NO_LOT, BLOCK, "The barcode has no lot number (AI 10).", SOURCE_DSCSA))
        if not facts.serial:
            found.append(_f(FILL_NO_SERIAL, BLOCK, "The barcode has no serial number (AI 21).", SOURCE_DSCSA))
    if facts.expires_on is None:
        found.append(
            _f(FILL_NO_EXPIRY, BLOCK, "No expiry date for this pack (AI 17); it cannot be checked.", SOURCE_EXPIRY)
        )
    else:
        found.extend(_expiry_findings(facts))
    if facts.serial and facts.serial_already_used:
        found.append(
            _f(
                FILL_DUPLICATE_SERIAL,
                BLOCK,
                f"Serial {facts.serial} was already scanned for a fill: the same pack cannot count twice.",
                SOURCE_DSCSA,
            )
        )
    if not facts.quantity_confirmed:
        found.append(
            _f(
                FILL_QUANTITY_UNCONFIRMED,
                BLOCK,
                "Confirm the pack is sealed and holds its labelled quantity before it counts.",
                SOURCE_MATCH,
            )
        )
    if facts.packs_counted >= facts.packs_needed:
        found.append(
            _f(
                FILL_TOO_MANY,
                BLOCK,
                f"The line needs {facts.packs_needed} pack(s) and {facts.packs_counted} are already counted.",
                SOURCE_MATCH,
            )
        )
    return tuple(found)


def _expiry_findings(facts: PackFacts) -> list[Finding]:
    expires = facts.expires_on
    assert expires is not None
    if expires < facts.today:
        return [
            _f(
                FILL_EXPIRED,
                BLOCK,
                f"Expired pack: lot {facts.lot or '—'} expired on {expires:%Y-%m-%d}. Quarantine it.",
                SOURCE_EXPIRY,
            )
        ]
    arrives = max(facts.arrives_on or facts.today, facts.today)
    if expires < arrives:
        return [
            _f(
                FILL_EXPIRES_IN_TRANSIT,
                BLOCK,
                f"The pack expires on {expires:%Y-%m-%d}, before the parcel is promised to arrive "
                f"({arrives:%Y-%m-%d}). Take a pack with a later expiry.",
                SOURCE_EXPIRY,
            )
        ]
    if facts.days_supply:
        last_dose = arrives + datetime.timedelta(days=facts.days_supply - 1)
        if expires < last_dose:
            return [
                _f(
                    FILL_EXPIRES_DURING_SUPPLY,
                    WARN,
                    f"The pack expires on {expires:%Y-%m-%d}, before the last day of the {facts.days_supply}-day "
                    f"supply ({last_dose:%Y-%m-%d}). Prefer a fresher pack; if released, the label's "
                    "beyond-use date is the pack's expiry.",
                    SOURCE_BUD,
                )
            ]
    return []
