"""Drug packs as a handheld scanner sees them: a real GS1 DataMatrix symbol (made with
zxing-cpp), decoded back into the string the scanner types (keyboard wedge).

    image = pack_symbol("0555-1055-86", lot="LOT123A", serial="SER0001", expires_on=date(2028, 6, 30))
    typed = scanner_string(image)                 # ASCII 29 between lot and serial
    typed = scanner_string(image, separator="|")  # a scanner set to send a substitute
    typed = scanner_string(image, separator="")   # a scanner that drops the separator
"""

from __future__ import annotations

import datetime

import zxingcpp
from PIL import Image

from compliance.core.fill_rules import gtin_for_ndc

GS = "\x1d"


def pack_symbol(
    ndc: str,
    *,
    lot: str = "LOT123A",
    serial: str = "SER0001",
    expires_on: datetime.date = datetime.date(2028, 6, 30),
    gtin: str | None = None,
) -> Image.Image:
    """The pack's GS1 DataMatrix: GTIN (01), expiry (17), lot (10), serial (21), the order
    printed on US drug packs. ``gtin`` overrides the NDC's own (a bad check digit)."""
    content = f"(01){gtin or gtin_for_ndc(ndc)}(17){expires_on:%y%m%d}(10){lot}(21){serial}"
    symbol = zxingcpp.create_barcode(content, zxingcpp.BarcodeFormat.DataMatrix, gs1=True)
    return Image.fromarray(zxingcpp.write_barcode_to_image(symbol, scale=4))


def scanner_string(image: Image.Image, *, separator: str = GS) -> str:
    """Decode the symbol as a scanner does and type it: raw GS1 data, ``separator`` for FNC1."""
    found = zxingcpp.read_barcode(image, text_mode=zxingcpp.TextMode.Plain)
    assert found is not None and found.format == zxingcpp.BarcodeFormat.DataMatrix, "no DataMatrix found"
    assert found.content_type == zxingcpp.ContentType.GS1, "not GS1 data (FNC1 first)"
    return found.text.replace(GS, separator) + "\r"
