"""Reading what a handheld scanner typed: a GS1 DataMatrix from a drug pack.

A keyboard-wedge scanner types the symbol's data into the focused field. Between
variable-length fields (lot, serial) GS1 puts the group separator, ASCII 29; many
keyboard layouts cannot type it, so scanners are set up to send a substitute instead
(``RXSHOP_SCAN_GS_SUBSTITUTE``, default ``|``: a character outside the GS1 AI character
set 82, so it can never be part of a lot or serial). ``parse_pack_code`` turns either
form into the pack's GTIN, expiry, lot and serial, parsed with ``biip``.

biip reports a bad GTIN check digit rather than refusing; we refuse (the check digit
is computed here, ``compliance.core.fill_rules.gtin_is_valid``). Without the group
separator biip cannot tell where the lot ends, and reads the serial into the lot: a
symbol whose lot or serial is then missing is refused with a message that names the
separator, never half-parsed.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import biip
from django.conf import settings

from compliance.core.fill_rules import gtin_is_valid, ndc_digits_from_gtin
from prescriptions.exceptions import ScanUnreadable

GS = "\x1d"
_SYMBOLOGY_PREFIXES = ("]d2", "]C1", "]Q3", "]e0")


@dataclass(frozen=True)
class PackCode:
    """What one pack's barcode says."""

    gtin: str
    ndc_digits: str
    expires_on: datetime.date | None
    lot: str
    serial: str


def gs_substitute() -> str:
    return getattr(settings, "RXSHOP_SCAN_GS_SUBSTITUTE", "|") or ""


def normalise(raw: str) -> str:
    """The scanner's keystrokes as GS1 data: the substitute back to ASCII 29, the
    symbology identifier and the surrounding whitespace (Enter) removed."""
    text = raw.strip("\r\n\t ")
    substitute = gs_substitute()
    if substitute:
        text = text.replace(substitute, GS)
    for prefix in _SYMBOLOGY_PREFIXES:
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return text.strip(GS)


def shown(raw: str) -> str:
    """The raw string as a person can read it (ASCII 29 as ``<GS>``), for the scan record."""
    readable = raw.replace(GS, "<GS>")
    # Other control characters (a NUL from a misconfigured scanner) are shown, never stored raw.
    readable = "".join(ch if ch.isprintable() else f"<{ord(ch):02X}>" for ch in readable)
    return readable.strip()[:300]


def parse_pack_code(raw: str) -> PackCode:
    """Parse one pack's GS1 element string, or raise ``ScanUnreadable`` saying why."""
    data = normalise(raw)
    if not data:
        raise ScanUnreadable("Nothing was scanned.")
    if not data.startswith("01"):
        raise ScanUnreadable(
            "This is not a drug pack's GS1 DataMatrix (it must start with the GTIN, AI 01). "
            "Scan the 2D code on the pack, not the linear barcode."
        )
    result = biip.parse(data)
    message = result.gs1_message
    if message is None:
        raise ScanUnreadable(f"The barcode could not be read as GS1 data: {result.gs1_message_error}")
    values: dict[str, object] = {}
    for element in message.element_strings:
        ai = element.ai.ai
        if ai in values:
            raise ScanUnreadable(f"Application identifier {ai} appears twice; scan again.")
        values[ai] = element.date if ai == "17" else element.value
    gtin = str(values.get("01", ""))
    if not gtin_is_valid(gtin):
        raise ScanUnreadable(
            f"GTIN {gtin} fails its check digit: the scan is corrupt or the label damaged. Scan again "
            "or, if it never reads, a pharmacist may key the NDC with a reason."
        )
    digits = ndc_digits_from_gtin(gtin)
    if digits is None:
        raise ScanUnreadable(f"GTIN {gtin} is not a US drug GTIN (it must start 003 and hold the NDC).")
    lot, serial = str(values.get("10", "")), str(values.get("21", ""))
    if GS not in data and (not lot or not serial) and ("10" in values or "21" in values):
        raise ScanUnreadable(
            "The scan has no group separator between the lot and the serial, so they cannot be told apart. "
            "Set the scanner to send ASCII 29 (GS) or the configured substitute "
            f"“{gs_substitute()}”, then scan again."
        )
    expires = values.get("17")
    if "17" in values and not isinstance(expires, datetime.date):
        raise ScanUnreadable(f"The expiry date {values['17']} is not a date.")
    return PackCode(
        gtin=gtin,
        ndc_digits=digits,
        expires_on=expires if isinstance(expires, datetime.date) else None,
        lot=lot,
        serial=serial,
    )
