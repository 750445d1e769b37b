"""Hypothesis strategies for hostile uploads: truncated, mutated, wrong magic,
polyglots, bombs, malformed PDFs and plain random bytes.

Each strategy draws a ``BadFile``: the bytes, a file name, and what the
validator must do with it when that is known for certain (``must_refuse``).
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache

from hypothesis import strategies as st

from tests.prescriptions import files


class BadFile:
    """A plain class, not a dataclass, so that hypothesis prints the short repr below."""

    def __init__(self, kind: str, name: str, data: bytes, must_refuse: bool = False):
        self.kind = kind  # the strategy that drew it
        self.name = name
        self.data = data
        self.must_refuse = must_refuse

    def __repr__(self) -> str:  # hypothesis prints this when a case fails
        return f"BadFile({self.kind!r}, {self.name!r}, {len(self.data)} bytes, head={self.data[:24]!r})"


@cache
def good_files() -> tuple[bytes, ...]:
    """Small files the validator accepts: the seeds that get broken."""
    return (
        files.pdf(1),
        files.pdf(2, text=b"two pages"),
        files.jpeg(),
        files.jpeg((17, 9), "red"),
        files.png(),
        files.png((5, 3), "black"),
    )


def zip_bomb() -> bytes:
    """A ZIP whose one member would inflate to 64 MB of zeros (about 64 kB on disk)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        with archive.open("zeros.bin", "w", force_zip64=True) as member:
            chunk = b"\0" * (1024 * 1024)
            for _ in range(64):
                member.write(chunk)
    return out.getvalue()


def pdf_flate_bomb(megabytes: int = 200) -> bytes:
    """A one-page PDF whose content stream would inflate to ``megabytes`` MB."""
    compressor = zlib.compressobj(9)
    chunk = b"\0" * (1024 * 1024)
    stream = b"".join(compressor.compress(chunk) for _ in range(megabytes)) + compressor.flush()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def _pdf_from_objects(objects: list[bytes], *, trailer_extra: bytes = b"") -> bytes:
    """A classic PDF (plain cross-reference table) with ``objects`` numbered from 1."""
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R%s >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, trailer_extra, xref)
    return bytes(out)


_ONE_PAGE = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
]


def pdf_deeply_nested(depth: int = 200_000) -> bytes:
    """A one-page PDF with an object made of ``depth`` nested arrays: a parser that
    recurses runs out of stack, one that does not still has a lot to chew."""
    return _pdf_from_objects([*_ONE_PAGE, b"[" * depth + b"]" * depth])


def pdf_huge_xref(entries: int = 1_900_000) -> bytes:
    """A one-page PDF whose cross-reference stream lists ``entries`` objects (a few
    kilobytes compressed): reading the table alone is millions of rows."""
    out = bytearray(b"%PDF-1.5\n")
    offsets = []
    for number, body in enumerate(_ONE_PAGE, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)] + [struct.pack(">BIH", 1, offset, 0) for offset in offsets]
    # Every further entry points at the page object again.
    filler = struct.pack(">BIH", 1, offsets[2], 0)
    compressor = zlib.compressobj(9)
    body = compressor.compress(b"".join(rows))
    block = filler * 65536
    remaining = entries - len(rows)
    while remaining > 0:
        take = min(remaining, 65536)
        body += compressor.compress(block if take == 65536 else filler * take)
        remaining -= take
    body += compressor.flush()
    out += b"%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % (
        entries,
        entries,
        len(body),
    )
    out += body + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def pdf_object_stream_of(megabytes: int = 60) -> bytes:
    """A valid one-page PDF whose objects sit in an object stream padded to ``megabytes``
    MB (under pypdf's own 75 MB inflate cap): reading it needs that much memory."""
    objects = _ONE_PAGE
    header, body = b"", b""
    for number, obj in enumerate(objects, start=1):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    compressor = zlib.compressobj(9)
    stream = compressor.compress(header + body)
    padding = b" " * (1024 * 1024)
    stream += b"".join(compressor.compress(padding) for _ in range(megabytes)) + compressor.flush()
    out = bytearray(b"%PDF-1.5\n")
    objstm_offset = len(out)
    out += b"4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n" % (
        len(header),
        len(stream),
    )
    out += stream + b"\nendstream\nendobj\n"
    xref_offset = len(out)
    rows = [struct.pack(">BIH", 0, 0, 65535)] + [struct.pack(">BIH", 2, 4, i) for i in range(3)]
    rows += [struct.pack(">BIH", 1, objstm_offset, 0), struct.pack(">BIH", 1, xref_offset, 0)]
    xref_data = zlib.compress(b"".join(rows))
    out += b"5 0 obj\n<< /Type /XRef /Size 6 /W [1 4 2] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n" % len(
        xref_data
    )
    out += xref_data + b"\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n" % xref_offset
    return bytes(out)


def pdf_with_dangling_reference() -> bytes:
    """A one-page PDF whose page points at content (object 9) that does not exist:
    part of the file cannot be read, so it cannot be fully checked."""
    return _pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 9 0 R >>",
        ]
    )


def png_header_only(width: int, height: int, bit_depth: int = 8, colour: int = 2) -> bytes:
    """A PNG that declares any size, with a tiny (wrong) image body."""
    header = struct.pack(">IIBBBBB", width, height, bit_depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + files._png_chunk(b"IHDR", header)
        + files._png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + files._png_chunk(b"IEND", b"")
    )


def jpeg_header_only(width: int, height: int) -> bytes:
    """A JPEG whose frame header declares any size and whose scan is missing."""
    sof = b"\xff\xc0" + struct.pack(">HBHHB", 17, 8, height, width, 3) + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00"
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + sof + b"\xff\xd9"


names = st.sampled_from(
    [
        "prescription.pdf",
        "scan.jpg",
        "photo.png",
        "rx.PDF",
        "noext",
        "../../etc/passwd",
        "a\x00b.pdf",
        "ünïcødé 处方.jpg",
        "x" * 300 + ".png",
        "",
    ]
)
seeds = st.sampled_from(range(6)).map(lambda i: good_files()[i])

random_bytes = st.builds(lambda n, d: BadFile("random", n, d), names, st.binary(min_size=0, max_size=2048))


@st.composite
def truncated(draw):
    data = draw(seeds)
    cut = draw(st.integers(min_value=0, max_value=len(data) - 1))
    return BadFile("truncated", draw(names), data[:cut])


@st.composite
def mutated(draw):
    data = bytearray(draw(seeds))
    for _ in range(draw(st.integers(min_value=1, max_value=12))):
        position = draw(st.integers(min_value=0, max_value=len(data) - 1))
        data[position] = draw(st.integers(min_value=0, max_value=255))
    return BadFile("mutated", draw(names), bytes(data))


@st.composite
def wrong_magic(draw):
    data = draw(seeds)
    head = draw(st.binary(min_size=1, max_size=8))
    return BadFile("wrong-magic", draw(names), head + data[len(head) :])


# What a second file hidden in the first looks like; each must be refused wherever it sits.
_PAYLOADS = {
    "zip": files.zip_archive(),
    "html": b"<html><body><script>alert(document.cookie)</script></body></html>",
    "php": b"<?php system($_GET['c']); ?>",
    "svg": b"<svg onload=alert(1)>",
    "exe": files.fake_exe(),
    "js-uri": b'<a href="javascript:alert(1)">x</a>',
}


@st.composite
def polyglot(draw):
    data = draw(seeds)
    payload_name = draw(st.sampled_from(sorted(_PAYLOADS)))
    payload = _PAYLOADS[payload_name]
    junk = draw(st.binary(max_size=64))
    return BadFile(f"polyglot-{payload_name}", draw(names), data + junk + payload, must_refuse=True)


@st.composite
def oversized(draw):
    """Bigger than the (small) limit the direct tests use; see ``SMALL_LIMITS``."""
    data = draw(seeds)
    padding = draw(st.integers(min_value=1, max_value=4096))
    return BadFile("oversized", draw(names), data + b"\0" * (SMALL_LIMIT_BYTES + padding), must_refuse=True)


SMALL_LIMIT_BYTES = 8 * 1024

_PDF_TOKENS = [
    b"obj",
    b"endobj",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"/Type",
    b"/Page",
    b"/Pages",
    b"/Catalog",
    b"/Kids",
    b"/Count",
    b"/Root",
    b"/Size",
    b"/Length",
    b"/Filter",
    b"/FlateDecode",
    b"stream\n",
    b"\nendstream",
    b"xref",
    b"trailer",
    b"startxref",
    b"%%EOF",
    b"R",
    b"0",
    b"1",
    b"2",
    b"3",
    b"65535",
    b"f",
    b"n",
    b"(text)",
    b"<414243>",
    b"/MediaBox",
    b"/Contents",
    b"/Annots",
    b"/URI",
    b"/Encrypt",
    b"null",
    b"true",
    b"-1",
    b"99999999999999999999",
    b"\n",
    b" ",
]
_PDF_DANGEROUS = [b"/JS", b"/JavaScript", b"/Launch", b"/EmbeddedFiles", b"/AA", b"/OpenAction << /S /JavaScript >>"]


@st.composite
def malformed_pdf(draw):
    tokens = draw(st.lists(st.sampled_from(_PDF_TOKENS), max_size=120))
    dangerous = draw(st.booleans())
    if dangerous:
        tokens.insert(draw(st.integers(min_value=0, max_value=len(tokens))), draw(st.sampled_from(_PDF_DANGEROUS)))
    version = draw(st.sampled_from([b"1.0", b"1.4", b"1.7", b"2.0", b"9.9", b""]))
    body = b" ".join(tokens)
    # A dangerous name is refused wherever it is, unless it landed inside a stream marked as
    # compressed (where the validator does not read raw bytes); keep the oracle honest.
    refuse = dangerous and b"stream\n" not in body
    return BadFile("malformed-pdf", draw(names), b"%PDF-" + version + b"\n" + body, must_refuse=refuse)


@st.composite
def broken_pdf_of_a_good_one(draw):
    """A real PDF with one structural part cut out or swapped."""
    data = draw(seeds.filter(lambda d: d.startswith(b"%PDF")))
    target = draw(st.sampled_from([b"xref", b"trailer", b"startxref", b"/Root", b"/Pages", b"/Count", b"obj", b"R"]))
    replacement = draw(st.sampled_from([b"", b"xxxx", b"/JS", b"-1", b"99999999"]))
    return BadFile(
        "broken-pdf",
        draw(names),
        data.replace(target, replacement, draw(st.integers(1, 3))),
        must_refuse=replacement == b"/JS",
    )


@st.composite
def image_bomb(draw):
    side = st.integers(min_value=0, max_value=2**31 - 1)
    width, height = draw(side), draw(side)
    if draw(st.booleans()):
        data = png_header_only(width, height, draw(st.sampled_from([1, 8, 16])), draw(st.sampled_from([0, 2, 6])))
    else:
        width, height = width % 65536, height % 65536
        data = jpeg_header_only(width, height)
    # Over the limits (tests/security uses the defaults): refused before any pixel is decoded.
    too_big = width > 12_000 or height > 12_000 or width * height > 50_000_000
    return BadFile("image-header", draw(names), data, must_refuse=too_big)


any_bad_file = st.one_of(
    random_bytes,
    truncated(),
    mutated(),
    wrong_magic(),
    polyglot(),
    malformed_pdf(),
    broken_pdf_of_a_good_one(),
    image_bomb(),
)
