"""Is an uploaded file safe to accept as a prescription?

The type is decided by the content (magic bytes, then parsing), never by the
file name or the browser's Content-Type. Only PDF, JPEG and PNG are accepted:

* PDFs must open with pypdf (in a child process with CPU, memory and time limits,
  see ``pdf_probe``), be readable throughout, not be encrypted, have at most 10 pages and
  contain no JavaScript, automatic actions or embedded files;
* images must decode with Pillow within bounded dimensions (decompression
  bombs are refused before any pixel is decoded), and are re-encoded so that
  their metadata (EXIF, GPS, comments, text chunks) is not kept;
* nothing may also be something else: a file carrying a ZIP archive, web
  markup or an executable is refused, whatever it starts with.

``inspect_upload`` returns an ``AcceptedFile`` (the bytes to store) or raises
``UploadRefused`` with a sentence the customer can act on. It never stores
anything: storing is the service's job, and only for accepted files.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import math
import os
import re
import struct
import subprocess
import sys
import unicodedata
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.template.defaultfilters import filesizeformat

from . import pdf_probe
from .exceptions import UploadRefused

logger = logging.getLogger(__name__)

MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    max_file_size: int = 10 * MB
    max_files: int = 10
    max_request_size: int = 31 * MB
    max_pdf_pages: int = 10
    max_image_pixels: int = 50_000_000
    max_image_side: int = 12_000
    max_pdf_objects: int = 100_000
    # A PDF is parsed in a child process (pdf_probe) with this CPU budget (the object
    # walk also stops after it) and this address-space limit; the child is killed after
    # twice the budget plus start-up time. A crafted file must not hold a web worker.
    max_pdf_seconds: float = 10.0
    max_pdf_memory: int = 768 * MB

    @classmethod
    def from_settings(cls) -> Limits:
        return cls(
            max_file_size=getattr(settings, "PRESCRIPTION_MAX_FILE_SIZE", cls.max_file_size),
            max_files=getattr(settings, "PRESCRIPTION_MAX_FILES", cls.max_files),
            max_request_size=getattr(settings, "PRESCRIPTION_MAX_REQUEST_SIZE", cls.max_request_size),
            max_pdf_pages=getattr(settings, "PRESCRIPTION_MAX_PDF_PAGES", cls.max_pdf_pages),
            max_image_pixels=getattr(settings, "PRESCRIPTION_MAX_IMAGE_PIXELS", cls.max_image_pixels),
            max_image_side=getattr(settings, "PRESCRIPTION_MAX_IMAGE_SIDE", cls.max_image_side),
            max_pdf_seconds=getattr(settings, "PRESCRIPTION_MAX_PDF_SECONDS", cls.max_pdf_seconds),
            max_pdf_memory=getattr(settings, "PRESCRIPTION_MAX_PDF_MEMORY", cls.max_pdf_memory),
        )


@dataclass(frozen=True)
class AcceptedFile:
    """A file that passed every check, with the bytes to store."""

    original_name: str
    kind: str  # "pdf" | "jpeg" | "png"
    content_type: str
    data: bytes
    sha256: str  # of the file as uploaded: recognises a re-upload
    stored_sha256: str  # of ``data``
    page_count: int = 1
    width: int | None = None
    height: int | None = None

    @property
    def extension(self) -> str:
        return {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[self.kind]


CONTENT_TYPES = {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}
ACCEPTED_TYPES_TEXT = "a PDF, a JPEG photo or a PNG image"


def clean_original_name(name: str | None) -> str:
    """The customer's file name as harmless text: no path, no control characters."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    return name.strip()[:255]


def inspect_upload(uploaded, *, limits: Limits | None = None) -> AcceptedFile:
    """Check a Django ``UploadedFile``; see ``inspect_bytes``."""
    limits = limits or Limits.from_settings()
    name = clean_original_name(getattr(uploaded, "name", ""))
    if uploaded.size is not None and uploaded.size > limits.max_file_size:
        raise _too_big(name, limits)
    uploaded.seek(0)
    data = uploaded.read(limits.max_file_size + 1)
    return inspect_bytes(data, original_name=name, limits=limits)


def inspect_bytes(data: bytes, *, original_name: str, limits: Limits | None = None) -> AcceptedFile:
    limits = limits or Limits.from_settings()
    name = clean_original_name(original_name) or "the file"
    if not data:
        raise UploadRefused(f"“{name}” is empty.", code="empty")
    if len(data) > limits.max_file_size:
        raise _too_big(name, limits)
    _refuse_known_dangerous_types(data, name)
    kind = _kind_from_magic(data)
    if kind is None:
        raise UploadRefused(
            f"“{name}” is not {ACCEPTED_TYPES_TEXT} (we look at the file itself, not its name). "
            "Please scan or photograph your prescription and upload it as PDF, JPEG or PNG.",
            code="unsupported_type",
        )
    _refuse_polyglots(data, name, kind)
    digest = hashlib.sha256(data).hexdigest()
    if kind == "pdf":
        pages = _check_pdf(data, name, limits)
        return AcceptedFile(
            original_name=clean_original_name(original_name),
            kind="pdf",
            content_type=CONTENT_TYPES["pdf"],
            data=data,
            sha256=digest,
            stored_sha256=digest,
            page_count=pages,
        )
    stored, width, height = _reencode_image(data, kind, name, limits)
    return AcceptedFile(
        original_name=clean_original_name(original_name),
        kind=kind,
        content_type=CONTENT_TYPES[kind],
        data=stored,
        sha256=digest,
        stored_sha256=hashlib.sha256(stored).hexdigest(),
        width=width,
        height=height,
    )


def _too_big(name: str, limits: Limits) -> UploadRefused:
    return UploadRefused(
        f"“{name}” is larger than {filesizeformat(limits.max_file_size)}. "
        "Please upload a smaller scan or photo (or split a long PDF).",
        code="too_large",
    )


# --- What a file is -------------------------------------------------------------------

_EXECUTABLE_MAGIC = (
    (b"MZ", "a Windows program"),
    (b"\x7fELF", "a program (ELF)"),
    (b"\xcf\xfa\xed\xfe", "a program (Mach-O)"),
    (b"\xce\xfa\xed\xfe", "a program (Mach-O)"),
    (b"\xfe\xed\xfa\xce", "a program (Mach-O)"),
    (b"\xfe\xed\xfa\xcf", "a program (Mach-O)"),
    (b"\xca\xfe\xba\xbe", "a program (Java or Mach-O)"),
    (b"#!", "a script"),
    (b"\x00asm", "a program (WebAssembly)"),
)
_BOMS = (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")


def _refuse_known_dangerous_types(data: bytes, name: str) -> None:
    for magic, what in _EXECUTABLE_MAGIC:
        if data.startswith(magic):
            raise UploadRefused(
                f"“{name}” is {what}, not a prescription. Programs and scripts are never accepted.",
                code="executable",
            )
    head = data[:1024]
    for bom in _BOMS:
        if head.startswith(bom):
            head = head[len(bom) :]
            break
    head = head.replace(b"\x00", b"").lstrip().lower()
    if head.startswith(b"<"):
        what = "an SVG image" if b"<svg" in head else "a web page or XML document"
        raise UploadRefused(
            f"“{name}” is {what}. Web pages and SVG images can carry scripts and are not accepted: "
            f"please upload {ACCEPTED_TYPES_TEXT}.",
            code="markup",
        )
    if data.startswith(b"PK\x03\x04") or data.startswith(b"PK\x05\x06"):
        raise UploadRefused(
            f"“{name}” is a ZIP archive or an Office document. Please upload {ACCEPTED_TYPES_TEXT}.",
            code="archive",
        )
    if data[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftyphevc"):
        raise UploadRefused(
            f"“{name}” is an iPhone HEIC photo, which we cannot read. Please export it as JPEG "
            "(or set the camera format to “Most Compatible”) and upload it again.",
            code="unsupported_type",
        )


def _kind_from_magic(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    return None


# --- One file that is also another -------------------------------------------------

_MARKUP = re.compile(
    rb"<\s*(script|html|body|svg|iframe|object|embed|applet|form)\b|<\?php|<!doctype\s+html|javascript:|vbscript:",
    re.IGNORECASE,
)
_EMBEDDED_EXECUTABLE = (b"This program cannot be run in DOS mode", b"\x7fELF\x02\x01\x01", b"\x7fELF\x01\x01\x01")


def _refuse_polyglots(data: bytes, name: str, kind: str) -> None:
    if _contains_zip(data):
        raise UploadRefused(
            f"“{name}” also contains a ZIP archive hidden inside it. Such files are refused; "
            "please upload a plain scan or photo of your prescription.",
            code="polyglot",
        )
    if any(_MARKUP.search(region) for region in _readable_regions(data, kind)):
        raise UploadRefused(
            f"“{name}” contains web page or script code hidden inside it. Such files are refused; "
            "please upload a plain scan or photo of your prescription.",
            code="polyglot",
        )
    if any(marker in data for marker in _EMBEDDED_EXECUTABLE):
        raise UploadRefused(
            f"“{name}” contains a program hidden inside it. Such files are refused; "
            "please upload a plain scan or photo of your prescription.",
            code="polyglot",
        )


def _readable_regions(data: bytes, kind: str) -> list[bytes]:
    """The parts of a file where text can hide: everything except compressed
    pixel or stream data, in which short tag-like byte runs occur by chance."""
    if kind == "pdf":
        return [_without_compressed_streams(data)]
    if kind == "jpeg":
        # Marker segments up to the first scan (APPn, COM: EXIF, XMP, comments),
        # then whatever follows the last end-of-image marker.
        regions, pos = [], 2
        while pos + 4 <= len(data) and data[pos] == 0xFF:
            marker = data[pos + 1]
            if marker == 0xFF:
                pos += 1
                continue
            if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
                pos += 2
                continue
            if marker in (0xD9, 0xDA):
                break
            (length,) = struct.unpack_from(">H", data, pos + 2)
            regions.append(data[pos + 4 : pos + 2 + length])
            pos += 2 + length
        else:
            regions.append(data[pos:])  # broken structure: look at the rest too
        eoi = data.rfind(b"\xff\xd9")
        if eoi != -1:
            regions.append(data[eoi + 2 :])
        return regions
    if kind == "png":
        regions, pos = [], 8
        while pos + 8 <= len(data):
            (length,) = struct.unpack_from(">I", data, pos)
            chunk_type = data[pos + 4 : pos + 8]
            if chunk_type != b"IDAT":
                regions.append(data[pos + 8 : pos + 8 + length])
            pos += 12 + length
            if chunk_type == b"IEND":
                break
        regions.append(data[pos:])  # anything after IEND (or after a broken chunk)
        return regions
    return [data]


_STREAM = re.compile(rb"stream\r?\n(.*?)endstream", re.DOTALL)


def _without_compressed_streams(data: bytes) -> bytes:
    parts, last = [], 0
    for match in _STREAM.finditer(data):
        dictionary = data[max(0, match.start() - 2048) : match.start()]
        dictionary = dictionary[dictionary.rfind(b"obj") + 3 :] if b"obj" in dictionary else dictionary
        if b"/Filter" in dictionary:
            parts.append(data[last : match.start(1)])
            last = match.end(1)
    parts.append(data[last:])
    return b"".join(parts)


def _contains_zip(data: bytes) -> bool:
    """A ZIP archive anywhere in the file, judged by its structure (not by 4 stray bytes)."""
    # End-of-central-directory record whose directory really is where it says.
    tail_start = max(0, len(data) - (0xFFFF + 22))
    pos = data.rfind(b"PK\x05\x06", tail_start)
    while pos != -1:
        if pos + 22 <= len(data):
            entries, cd_size, cd_offset = struct.unpack_from("<HII", data, pos + 10)
            if entries and cd_size:
                starts = (pos - cd_size, cd_offset)
                if any(0 <= s <= len(data) - 4 and data[s : s + 4] == b"PK\x01\x02" for s in starts):
                    return True
        pos = data.rfind(b"PK\x05\x06", tail_start, pos)
    # A local file header or a central directory entry naming a plausible file.
    for signature, name_offset, length_offset in ((b"PK\x03\x04", 30, 26), (b"PK\x01\x02", 46, 28)):
        start = data.find(signature)
        while start != -1:
            if start + name_offset <= len(data):
                (name_len,) = struct.unpack_from("<H", data, start + length_offset)
                file_name = data[start + name_offset : start + name_offset + name_len]
                if 0 < name_len <= 255 and len(file_name) == name_len and all(32 <= b < 127 for b in file_name):
                    return True
            start = data.find(signature, start + 1)
    return False


# --- PDF ------------------------------------------------------------------------------

_PDF_NAME = re.compile(rb"/([^\s/\[\]()<>{}%]+)")
_PDF_HEX_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")


def _refuse_pdf(name: str, problem: tuple[str, str]) -> UploadRefused:
    text, code = problem
    return UploadRefused(
        f"“{name}” {text}, which is not allowed in a prescription. Please print it to a plain PDF "
        "or upload a scan or photo instead.",
        code=code,
    )


def _too_complex(name: str) -> UploadRefused:
    return UploadRefused(
        f"“{name}” is too complex a PDF to check safely. Please print it to a plain PDF, "
        "or upload a scan or photo of your prescription instead.",
        code="pdf_unreadable",
    )


def _unreadable(name: str) -> UploadRefused:
    return UploadRefused(
        f"“{name}” is named or made to look like a PDF but cannot be read as one. "
        "Please upload the original PDF, or a scan or photo.",
        code="pdf_unreadable",
    )


_PROBE = Path(__file__).with_name("pdf_probe.py")


def _probe_pdf(data: bytes, name: str, limits: Limits) -> dict:
    """Parse the PDF in a child process under CPU, memory and wall-clock limits.

    Opening a PDF, counting its pages and walking its objects can all be made
    arbitrarily slow or memory-hungry by a crafted file, and a thread cannot be
    stopped: only a process can. ``-I`` keeps the child clear of the environment,
    the user's site-packages and our package directory on ``sys.path``; it imports
    pypdf and nothing of ours or Django's."""
    cpu = max(1, math.ceil(limits.max_pdf_seconds))
    # Start-up of a fresh interpreter on a busy machine, on top of the CPU budget.
    wall = limits.max_pdf_seconds * 2 + 5
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-I",
                str(_PROBE),
                str(cpu),
                str(limits.max_pdf_memory),
                str(limits.max_pdf_objects),
                str(limits.max_pdf_seconds),
            ],
            input=data,
            capture_output=True,
            timeout=wall,
            check=False,
        )
    except subprocess.TimeoutExpired:  # subprocess.run has killed the child
        logger.warning("PDF check of %s ran out of time (%.0f s) and was stopped", name, wall)
        raise _too_complex(name) from None
    if completed.returncode != 0:
        # Killed by the CPU limit (SIGXCPU/SIGKILL), or died when memory ran out.
        logger.warning("PDF check of %s stopped with exit status %s", name, completed.returncode)
        raise _too_complex(name)
    try:
        return json.loads(completed.stdout)
    except ValueError:
        raise _too_complex(name) from None


def _check_pdf(data: bytes, name: str, limits: Limits) -> int:
    # 1. Names written in the file itself, including #xx-escaped ones (/J#61vaScript).
    # (Compressed stream data is left out: random bytes there can spell "/JS".)
    raw_names = {
        _PDF_HEX_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), n).decode("latin-1")
        for n in _PDF_NAME.findall(_without_compressed_streams(data))
    }
    problem = pdf_probe.pdf_problem(raw_names)
    if problem:
        raise _refuse_pdf(name, problem)
    # 2. Parse it, out of process: names hidden in compressed object streams show up here.
    verdict = _probe_pdf(data, name, limits)
    error = verdict.get("error")
    if error == "encrypted":
        raise UploadRefused(
            f"“{name}” is password-protected (encrypted). Our pharmacist must be able to read it: "
            "please upload a copy without a password.",
            code="pdf_encrypted",
        )
    if error == "too_complex":
        raise _too_complex(name)
    if error is not None or "pages" not in verdict and "problem" not in verdict:
        raise _unreadable(name)
    if verdict.get("problem"):
        text, code = verdict["problem"]
        raise _refuse_pdf(name, (text, code))
    pages = int(verdict["pages"])
    if pages < 1:
        raise UploadRefused(f"“{name}” has no pages.", code="pdf_unreadable")
    if pages > limits.max_pdf_pages:
        raise UploadRefused(
            f"“{name}” has {pages} pages; a prescription upload can have at most {limits.max_pdf_pages}. "
            "Please upload only the prescription pages.",
            code="pdf_too_many_pages",
        )
    return pages


# --- Images ---------------------------------------------------------------------------


def _reencode_image(data: bytes, kind: str, name: str, limits: Limits) -> tuple[bytes, int, int]:
    from PIL import Image, ImageOps, UnidentifiedImageError

    pil_format = {"jpeg": "JPEG", "png": "PNG"}[kind]
    bomb = UploadRefused(
        f"“{name}” is too large in pixels to be a photo or scan "
        f"(at most {limits.max_image_side} pixels a side and {limits.max_image_pixels // 1_000_000} megapixels).",
        code="image_too_large",
    )
    unreadable = UploadRefused(
        f"“{name}” looks like a {pil_format} image but cannot be read as one. Please take the photo or scan again.",
        code="image_unreadable",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=[pil_format]) as probe:
                width, height = probe.size
                # Decided from the header, before a single pixel is decompressed.
                if width < 1 or height < 1:
                    raise unreadable
                if (
                    width > limits.max_image_side
                    or height > limits.max_image_side
                    or width * height > limits.max_image_pixels
                ):
                    raise bomb
                probe.verify()
            with Image.open(io.BytesIO(data), formats=[pil_format]) as image:
                image.load()
                image = ImageOps.exif_transpose(image)  # keep the photo upright once EXIF is gone
                image = _normalise_mode(image, kind)
                image.info = {}  # no EXIF, GPS, ICC, comments or text chunks
                out = io.BytesIO()
                if kind == "jpeg":
                    image.save(out, format="JPEG", quality=90, optimize=True)
                else:
                    image.save(out, format="PNG", optimize=False)
        except UploadRefused:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise bomb from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, struct.error):
            raise unreadable from None
        except MemoryError:
            raise bomb from None
    width, height = image.size
    return out.getvalue(), width, height


def _normalise_mode(image, kind: str):
    if kind == "jpeg":
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode in ("RGB", "RGBA", "L"):
        return image
    has_alpha = image.mode in ("LA", "PA", "RGBa", "La") or "transparency" in image.info
    return image.convert("RGBA" if has_alpha else "RGB")


# --- Upload handler: stop reading a file past the limit --------------------------------


class SizeLimitedUploadHandler(FileUploadHandler):
    """Put first in ``request.upload_handlers``: a file past the size limit, or
    past the number of files allowed, is skipped as it streams in, so it is
    never kept in memory or on disk. The view reports what was skipped."""

    def __init__(self, request=None, *, limits: Limits | None = None):
        super().__init__(request)
        self.limits = limits or Limits.from_settings()
        self.too_large: list[str] = []
        self.too_many: list[str] = []
        self._files_seen = 0
        self._received = 0
        self._skip_current = False

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        self._received = 0
        self._files_seen += 1
        # Skipped at its first chunk, not here: SkipFile raised before the other
        # handlers have opened this file would make Django close the previous one.
        self._skip_current = self._files_seen > self.limits.max_files
        if self._skip_current:
            self.too_many.append(clean_original_name(self.file_name))

    def receive_data_chunk(self, raw_data, start):
        if self._skip_current:
            raise SkipFile
        self._received += len(raw_data)
        if self._received > self.limits.max_file_size:
            name = clean_original_name(self.file_name)
            if name not in self.too_large:
                self.too_large.append(name)
            raise SkipFile
        return raw_data

    def file_complete(self, file_size):
        return None

    @property
    def refusals(self) -> list[str]:
        messages = [str(_too_big(name or "A file", self.limits).message) for name in self.too_large]
        if self.too_many:
            messages.append(
                f"At most {self.limits.max_files} files can be uploaded at once; "
                f"these were not accepted: {', '.join(self.too_many)}."
            )
        return messages
