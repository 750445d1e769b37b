"""Files for the upload tests, built in memory: good ones and every bad kind."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from PIL import Image
from pypdf import PdfWriter


def pdf(pages: int = 1, *, text: bytes = b"") -> bytes:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(width=612, height=792)
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    if text:  # a comment line after the header makes each test file unique
        data = data.replace(b"\n", b"\n%" + text + b"\n", 1)
    return data


def encrypted_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.encrypt("secret")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript_pdf() -> bytes:
    from pypdf.actions import JavaScript

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_open_action(JavaScript("app.alert('hello');"))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def embedded_file_pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.add_attachment("invoice.exe", b"MZ not really a program")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def javascript_in_object_stream_pdf() -> bytes:
    """JavaScript whose names exist only inside a compressed object stream:
    invisible to a byte search, found by parsing."""
    catalog = b"<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>"
    pages = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    objects = [catalog, pages, page]
    header = b""
    body = b""
    for number, obj in enumerate(objects, start=1):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    stream = zlib.compress(header + body)
    out = bytearray(b"%PDF-1.5\n%\xe2\xe3\xcf\xd3\n")
    objstm_offset = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(stream),
    )
    out += stream + b"\nendstream\nendobj\n"
    # Cross-reference stream: object 0 free, 1-3 in object stream 4, 4 and 5 plain.
    xref_offset = len(out)
    rows = [
        struct.pack(">BIH", 0, 0, 65535),
        struct.pack(">BIH", 2, 4, 0),
        struct.pack(">BIH", 2, 4, 1),
        struct.pack(">BIH", 2, 4, 2),
        struct.pack(">BIH", 1, objstm_offset, 0),
        struct.pack(">BIH", 1, xref_offset, 0),
    ]
    xref_data = zlib.compress(b"".join(rows))
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % len(
        xref_data
    )
    out += xref_data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def jpeg(size=(64, 48), color="white", **save_kwargs) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="JPEG", **save_kwargs)
    return out.getvalue()


def png(size=(64, 48), color="white") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_with_gps() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "PhoneModel 12"  # Model
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", (40.0, 42.0, 46.08)
    gps[3], gps[4] = "W", (74.0, 0.0, 21.5)
    return jpeg(size=(80, 60), color="blue", exif=exif, comment=b"taken at home")


def zip_archive() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("payload.html", "<script>alert(1)</script>")
    return out.getvalue()


def jpeg_zip_polyglot() -> bytes:
    return jpeg(color="green") + zip_archive()


def fake_exe() -> bytes:
    return (
        b"MZ\x90\x00\x03\x00\x00\x00\x04\x00"
        + b"\x00" * 50
        + b"This program cannot be run in DOS mode.\r\n"
        + b"\x00" * 200
    )


def html_page() -> bytes:
    return b"<!DOCTYPE html>\n<html><head><title>rx</title></head><body><script>alert(document.cookie)</script></body></html>"


def svg_image() -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(1)</script></svg>"
    )


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def decompression_bomb_png(side: int = 20_000) -> bytes:
    """A ~50 kB PNG that would decode to 400 megapixels."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)  # 1-bit greyscale
    compressor = zlib.compressobj(9)
    row = b"\x00" * (1 + side // 8)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    return b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", idat) + _png_chunk(b"IEND", b"")


def oversized_pdf(size: int) -> bytes:
    base = pdf()
    return base + b"%" + b"x" * (size - len(base))


EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def pdf_with_page_additional_action() -> bytes:
    """/AA on a page: an action that runs when the page is opened."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.pages[0][NameObject("/AA")] = DictionaryObject(
        {
            NameObject("/O"): DictionaryObject(
                {
                    NameObject("/S"): NameObject("/URI"),
                    NameObject("/URI"): TextStringObject("https://example.com/"),
                }
            ),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def pdf_with_launch_open_action() -> bytes:
    """/OpenAction that launches a program when the PDF is opened."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer._root_object[NameObject("/OpenAction")] = DictionaryObject(
        {
            NameObject("/S"): NameObject("/Launch"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
