"""Hostile uploads, by the thousand: the validator never crashes, never accepts
what it must refuse, and always says why in a sentence the customer can act on.

Most examples go straight to ``prescriptions.uploads.inspect_bytes`` (fast); a
few hundred go through the upload page, where a refused file must leave no row
and no stored file behind, and the page must show the refusal.
"""

from __future__ import annotations

import html
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prescriptions.models import PrescriptionFile
from prescriptions.uploads import AcceptedFile, Limits, UploadRefused, clean_original_name, inspect_bytes
from tests.factories import product
from tests.prescriptions.conftest import form_data, stored_files, upload

from . import badfiles
from .badfiles import BadFile

# The codes inspect_bytes may refuse with; a new one should be a decision, not an accident.
REFUSAL_CODES = {
    "empty",
    "too_large",
    "executable",
    "markup",
    "archive",
    "unsupported_type",
    "polyglot",
    "pdf_javascript",
    "pdf_embedded_file",
    "pdf_action",
    "pdf_encrypted",
    "pdf_unreadable",
    "pdf_too_many_pages",
    "image_too_large",
    "image_unreadable",
}
SMALL_LIMITS = Limits(max_file_size=badfiles.SMALL_LIMIT_BYTES)
DIRECT = settings(
    max_examples=150,
    deadline=None,
    derandomize=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def check(bad: BadFile, limits: Limits | None = None) -> AcceptedFile | UploadRefused:
    """The validator's answer, with the properties every answer must have."""
    try:
        accepted = inspect_bytes(bad.data, original_name=bad.name, limits=limits)
    except UploadRefused as refused:
        assert refused.code in REFUSAL_CODES, refused.code
        shown = clean_original_name(bad.name) or "the file"
        assert f"“{shown}”" in refused.message or refused.code == "too_large", refused.message
        assert not any(unicodedata.category(ch) == "Cc" for ch in refused.message), refused.message
        assert len(refused.message) < 700
        return refused
    assert not bad.must_refuse, f"{bad!r} should have been refused"
    assert accepted.kind in {"pdf", "jpeg", "png"}
    assert (
        accepted.data
        and accepted.content_type == {"pdf": "application/pdf", "jpeg": "image/jpeg", "png": "image/png"}[accepted.kind]
    )
    # What would be stored is itself acceptable, as the same kind (images are re-encoded).
    again = inspect_bytes(accepted.data, original_name="stored", limits=Limits(max_file_size=10**9))
    assert again.kind == accepted.kind
    return accepted


# --- Straight to the validator (1,200 examples) ------------------------------------------------


@DIRECT
@given(badfiles.random_bytes)
def test_random_bytes(bad):
    check(bad)


@DIRECT
@given(badfiles.truncated())
def test_truncated_files(bad):
    check(bad)


@DIRECT
@given(badfiles.mutated())
def test_files_with_flipped_bytes(bad):
    check(bad)


@DIRECT
@given(badfiles.wrong_magic())
def test_files_with_the_wrong_magic(bad):
    check(bad)


@DIRECT
@given(badfiles.polyglot())
def test_polyglots_are_always_refused(bad):
    assert isinstance(check(bad), UploadRefused)


@DIRECT
@given(badfiles.malformed_pdf())
def test_malformed_pdfs(bad):
    check(bad)


@DIRECT
@given(badfiles.broken_pdf_of_a_good_one())
def test_real_pdfs_with_parts_cut_out(bad):
    check(bad)


@DIRECT
@given(badfiles.image_bomb())
def test_images_that_declare_any_size(bad):
    check(bad)  # over the limits: refused (check() holds it to must_refuse), never decoded


@settings(max_examples=50, deadline=None)
@given(badfiles.oversized())
def test_files_over_the_limit_are_refused(bad):
    refused = check(bad, limits=SMALL_LIMITS)
    assert isinstance(refused, UploadRefused) and refused.code == "too_large"
    assert "larger than 8.0\xa0KB" in refused.message


def test_zip_bomb_is_refused_without_being_inflated():
    bomb = badfiles.zip_bomb()
    for name in ("prescription.pdf", "photo.jpg"):
        refused = check(BadFile("zip-bomb", name, bomb, must_refuse=True))
        assert refused.code == "archive"
    # Hidden behind a real JPEG it is still found.
    refused = check(BadFile("zip-bomb-polyglot", "photo.jpg", badfiles.good_files()[2] + bomb, must_refuse=True))
    assert refused.code == "polyglot"


def test_pdf_whose_content_would_inflate_to_200_mb_is_handled_without_exhausting_memory():
    """pypdf stops inflating at its own limit; the file is either refused as
    unreadable or accepted unchanged (the content stream is never decoded)."""
    result = check(BadFile("pdf-flate-bomb", "prescription.pdf", badfiles.pdf_flate_bomb()))
    assert isinstance(result, (AcceptedFile, UploadRefused))


# --- Through the upload page (300 examples) -----------------------------------------------------

VIEW = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


@pytest.fixture
def upload_page(alice_client, settings):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "100000/h"  # the fuzzer is not a customer in a hurry
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    return alice_client, url


def _post_and_check(upload_page, bad: BadFile):
    from pathlib import Path

    from django.conf import settings as django_settings

    client, url = upload_page
    private = Path(django_settings.STORAGES["private"]["OPTIONS"]["location"])
    files_before, stored_before = PrescriptionFile.objects.count(), len(stored_files(private))
    verdict = check(bad)
    response = client.post(url, {**form_data(), "files": [upload(bad.name or "unnamed", bad.data)]})
    assert response.status_code in (200, 302), response.status_code
    if isinstance(verdict, UploadRefused):
        assert response.status_code == 200
        assert PrescriptionFile.objects.count() == files_before
        assert len(stored_files(private)) == stored_before
        page = html.unescape(response.content.decode())
        # The page says why (the view's name may differ: the browser's file name is used).
        assert verdict.message.split("”", 1)[-1].strip()[:40] in page, page[page.find("alert-danger") :][:1500]
    else:
        # Accepted (or recognised as a re-upload of a file already sent): never a half-stored file.
        assert PrescriptionFile.objects.count() - files_before == len(stored_files(private)) - stored_before


@VIEW
@given(bad=st.one_of(badfiles.random_bytes, badfiles.truncated(), badfiles.mutated(), badfiles.wrong_magic()))
def test_upload_page_with_broken_files(upload_page, bad):
    _post_and_check(upload_page, bad)


@VIEW
@given(
    bad=st.one_of(
        badfiles.polyglot(), badfiles.malformed_pdf(), badfiles.broken_pdf_of_a_good_one(), badfiles.image_bomb()
    )
)
def test_upload_page_with_hostile_files(upload_page, bad):
    _post_and_check(upload_page, bad)
