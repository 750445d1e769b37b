"""Carriers we hand parcels to: their tracking-number formats and public tracking pages.

Pure functions (no Django). The formats catch a mistyped or mis-scanned number
before the customer is sent a link that finds nothing; they do not prove the
number exists.

Sources:
- USPS: domestic tracking numbers (IMpb) are 20–22 digits (USPS Publication 199,
  "Intelligent Mail Package Barcode Implementation Guide", section 3 on the
  tracking number); international items carry a 13-character UPU S10
  identifier: two letters, eight serial digits, a check digit, and the ISO
  country code (UPU standard S10, e.g. "EA123456789US"). The S10 check digit is
  verified (weights 8 6 4 2 3 5 9 7; 11 - sum mod 11, 10 → 0, 11 → 5).
- UPS: "1Z", a six-character shipper number, a two-digit service code and an
  eight-character reference: "1Z" + 16 letters or digits (UPS tracking-number
  formats as published on ups.com, "Tracking number format").
- FedEx: 12 digits (Express), 15 digits (Ground) or 20 digits (Ground
  SSCC-style / SmartPost) (FedEx tracking help, "What does a tracking number
  look like?").
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import quote

from .exceptions import TrackingNumberInvalid  # noqa: F401  (callers catch it as carriers.TrackingNumberInvalid)


class Carrier(StrEnum):
    USPS = "usps"
    UPS = "ups"
    FEDEX = "fedex"

    @property
    def label(self) -> str:
        return {Carrier.USPS: "USPS", Carrier.UPS: "UPS", Carrier.FEDEX: "FedEx"}[self]


CARRIER_CHOICES = [(c.value, c.label) for c in Carrier]

_USPS_DOMESTIC = re.compile(r"\d{20,22}")
_USPS_S10 = re.compile(r"[A-Z]{2}(\d{8})(\d)[A-Z]{2}")
_UPS = re.compile(r"1Z[0-9A-Z]{16}")
_FEDEX = re.compile(r"\d{12}|\d{15}|\d{20}")

_TRACKING_URLS = {
    Carrier.USPS: "https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
    Carrier.UPS: "https://www.ups.com/track?tracknum={number}",
    Carrier.FEDEX: "https://www.fedex.com/fedextrack/?trknbr={number}",
}


def normalise(number: str) -> str:
    """Upper case, without the spaces and dashes labels print between groups."""
    return re.sub(r"[\s-]", "", number or "").upper()


def s10_check_digit(serial: str) -> int:
    total = sum(int(d) * w for d, w in zip(serial, (8, 6, 4, 2, 3, 5, 9, 7), strict=True))
    check = 11 - total % 11
    return {10: 0, 11: 5}.get(check, check)


def is_valid_tracking_number(carrier: Carrier | str, number: str) -> bool:
    carrier, number = Carrier(carrier), normalise(number)
    if carrier is Carrier.USPS:
        if _USPS_DOMESTIC.fullmatch(number):
            return True
        s10 = _USPS_S10.fullmatch(number)
        return bool(s10) and s10_check_digit(s10.group(1)) == int(s10.group(2))
    if carrier is Carrier.UPS:
        return bool(_UPS.fullmatch(number))
    return bool(_FEDEX.fullmatch(number))


_FORMATS = {
    Carrier.USPS: "20 to 22 digits, or 13 characters like EA123456789US",
    Carrier.UPS: "“1Z” followed by 16 letters or digits",
    Carrier.FEDEX: "12, 15 or 20 digits",
}


def clean_tracking_number(carrier: Carrier | str, number: str) -> str:
    """The number normalised, or ``TrackingNumberInvalid`` saying what the carrier's look like."""
    carrier = Carrier(carrier)
    if not is_valid_tracking_number(carrier, number):
        raise TrackingNumberInvalid(
            f"“{number}” is not a {carrier.label} tracking number ({_FORMATS[carrier]}); check the label."
        )
    return normalise(number)


def tracking_url(carrier: Carrier | str, number: str) -> str:
    """The carrier's public tracking page for ``number``."""
    return _TRACKING_URLS[Carrier(carrier)].format(number=quote(normalise(number)))
