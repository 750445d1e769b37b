"""Safe to accept: the file's content decides, every bad kind is refused with
a clear message, and a refused upload stores nothing (issue 4 §2)."""

from __future__ import annotations

import io
import subprocess
import sys
import time

import pytest
from django.core import mail
from PIL import Image

from prescriptions import uploads
from prescriptions.models import Prescription, PrescriptionFile, ScanStatus, private_storage
from prescriptions.uploads import Limits, UploadRefused, inspect_bytes
from tests.factories import add_to_basket, product
from tests.security import badfiles

from . import files
from .conftest import form_data, stored_files, unique_pdf, upload

pytestmark = pytest.mark.django_db

MB = 1024 * 1024


def upload_url(upc="RX-ISO-20"):
    return f"/prescriptions/upload/product/{product(upc).pk}/"


def post_upload(client, *uploads, upc="RX-ISO-20", **overrides):
    return client.post(upload_url(upc), {**form_data(**overrides), "files": list(uploads)})


def assert_nothing_stored(private_dir):
    assert stored_files(private_dir) == []
    assert PrescriptionFile.objects.count() == 0
    assert Prescription.objects.count() == 0


BAD_FILES = [
    pytest.param(
        "prescription.pdf",
        b"%PDF-1.7\nThis is just text pretending to be a PDF.\n",
        "cannot be read as one",
        id="fake-pdf-with-pdf-name",
    ),
    pytest.param(
        "scan.pdf",
        b"Just some notes, no PDF at all",
        "is not a PDF, a JPEG photo or a PNG image",
        id="text-with-pdf-name",
    ),
    pytest.param("photo.png", files.fake_exe(), "is a Windows program", id="exe-renamed-png"),
    pytest.param("prescription.pdf", files.html_page(), "web page", id="html"),
    pytest.param("prescription.png", files.svg_image(), "SVG", id="svg"),
    pytest.param("prescription.pdf", files.encrypted_pdf(), "password-protected", id="encrypted-pdf"),
    pytest.param("prescription.pdf", files.javascript_pdf(), "contains JavaScript", id="pdf-with-javascript"),
    pytest.param(
        "prescription.pdf",
        files.javascript_in_object_stream_pdf(),
        "contains",
        id="pdf-with-javascript-in-object-stream",
    ),
    pytest.param(
        "prescription.pdf", files.embedded_file_pdf(), "embedded or attached files", id="pdf-with-embedded-file"
    ),
    pytest.param("photo.jpg", files.jpeg_zip_polyglot(), "ZIP archive hidden inside", id="jpeg-zip-polyglot"),
    pytest.param(
        "photo.png",
        files.png() + b"<html><script>alert(1)</script></html>",
        "web page or script code hidden inside",
        id="png-html-polyglot",
    ),
    pytest.param("prescription.pdf", files.pdf(11), "has 11 pages", id="eleven-page-pdf"),
    pytest.param("photo.png", files.decompression_bomb_png(), "too large in pixels", id="decompression-bomb-png"),
    pytest.param("archive.pdf", files.zip_archive(), "ZIP archive", id="zip-renamed-pdf"),
]


@pytest.mark.parametrize("name, data, message", BAD_FILES)
def test_each_kind_of_bad_file_is_refused_with_its_message_and_nothing_is_stored(
    alice_client, private_dir, name, data, message
):
    response = post_upload(alice_client, upload(name, data))
    assert response.status_code == 200
    html = response.content.decode()
    assert message in html, html[html.find("alert-danger") :][:2000]
    assert_nothing_stored(private_dir)


def test_file_over_10_mb_is_refused_while_it_streams_and_nothing_is_stored(alice_client, private_dir):
    big = files.oversized_pdf(10 * MB + 1)
    response = post_upload(alice_client, upload("big-scan.pdf", big))
    assert response.status_code == 200
    assert "“big-scan.pdf” is larger than 10.0\xa0MB" in response.content.decode()
    assert_nothing_stored(private_dir)


def test_more_than_10_files_at_once_are_refused_and_nothing_is_stored(alice_client, private_dir):
    response = post_upload(alice_client, *[upload(f"page{i}.pdf", unique_pdf()) for i in range(11)])
    assert response.status_code == 200
    assert "At most 10 files can be uploaded at once; these were not accepted: page10.pdf." in response.content.decode()
    assert_nothing_stored(private_dir)


def test_ten_files_at_once_are_accepted(alice_client, private_dir):
    response = post_upload(alice_client, *[upload(f"page{i}.pdf", unique_pdf()) for i in range(10)])
    assert response.status_code == 302
    assert PrescriptionFile.objects.count() == 10 and len(stored_files(private_dir)) == 10


def test_a_file_over_the_limit_does_not_spoil_the_files_before_it(alice_client, private_dir, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 0  # stream to temporary files, as real uploads do
    response = post_upload(
        alice_client, upload("page1.pdf", unique_pdf()), upload("huge.pdf", files.oversized_pdf(10 * MB + 5))
    )
    html = response.content.decode()
    assert "“huge.pdf” is larger than 10.0\xa0MB" in html and "page1.pdf" not in html
    assert_nothing_stored(private_dir)


def test_one_bad_file_among_good_ones_refuses_the_whole_upload(alice_client, private_dir):
    response = post_upload(alice_client, upload("page1.pdf", unique_pdf()), upload("page2.png", files.fake_exe()))
    assert "“page2.png” is a Windows program" in response.content.decode()
    assert_nothing_stored(private_dir)


def test_oversized_request_is_refused_with_413_before_its_body_is_read(alice_client, private_dir, settings):
    settings.PRESCRIPTION_MAX_REQUEST_SIZE = 1 * MB
    response = post_upload(alice_client, upload("a.pdf", unique_pdf()), upload("b.pdf", files.oversized_pdf(2 * MB)))
    assert response.status_code == 413
    assert "too large" in response.content.decode()
    request = response.wsgi_request
    assert not hasattr(request, "_files") and not hasattr(request, "_post"), "the body must not have been parsed"
    assert_nothing_stored(private_dir)


def test_oversized_request_is_refused_at_the_real_limit(alice_client, private_dir):
    chunks = [upload(f"part{i}.pdf", files.oversized_pdf(8 * MB)) for i in range(4)]  # 32 MB > 31 MB
    response = post_upload(alice_client, *chunks)
    assert response.status_code == 413
    assert_nothing_stored(private_dir)


def test_type_is_decided_by_content_not_by_name_or_content_type(alice_client, private_dir):
    response = post_upload(alice_client, upload("holiday.exe", files.png(), content_type="application/x-msdownload"))
    assert response.status_code == 302
    stored = PrescriptionFile.objects.get()
    assert stored.kind == "png" and stored.content_type == "image/png"
    assert stored.original_name == "holiday.exe"


def test_good_pdf_is_stored_privately_under_a_random_name_with_its_sha256(alice_client, private_dir):
    import hashlib

    data = unique_pdf(pages=3)
    response = post_upload(alice_client, upload("../../My Rx (Dr Smith).pdf", data))
    assert response.status_code == 302
    stored = PrescriptionFile.objects.get()
    assert stored.original_name == "My Rx (Dr Smith).pdf"
    assert "Smith" not in stored.stored_name and stored.stored_name.endswith(".pdf")
    assert stored.sha256 == hashlib.sha256(data).hexdigest() == stored.stored_sha256
    assert stored.page_count == 3
    with private_storage().open(stored.stored_name, "rb") as handle:
        assert handle.read() == data
    assert [p.name for p in stored_files(private_dir)] == [stored.stored_name.split("/")[-1]]
    assert stored.scan_status == ScanStatus.NOT_SCANNED
    assert stored.get_scan_status_display() == "Not scanned: no virus scanner configured"


def test_several_files_make_one_prescription(alice_client):
    response = post_upload(
        alice_client, upload("page1.pdf", unique_pdf()), upload("page2.jpg", files.jpeg(), "image/jpeg")
    )
    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert sorted(f.kind for f in prescription.files.all()) == ["jpeg", "pdf"]


def test_stored_jpeg_has_no_exif_or_gps_left(alice_client):
    original = files.jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(0x8825), "the test photo must carry GPS data"
    response = post_upload(alice_client, upload("photo.jpg", original, "image/jpeg"))
    assert response.status_code == 302
    stored = PrescriptionFile.objects.get()
    with private_storage().open(stored.stored_name, "rb") as handle:
        data = handle.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == "JPEG" and image.size == (80, 60)
    assert dict(image.getexif()) == {}
    assert not image.getexif().get_ifd(0x8825)
    assert b"Exif" not in data and b"PhoneMaker" not in data and b"taken at home" not in data
    assert "exif" not in image.info and "comment" not in image.info


def test_reupload_of_the_same_file_is_recognised_and_not_stored_twice(alice_client, private_dir):
    data = unique_pdf()
    first = post_upload(alice_client, upload("rx.pdf", data))
    assert first.status_code == 302
    prescription = Prescription.objects.get()
    second = post_upload(alice_client, upload("rx-again.pdf", data))
    html = second.content.decode()
    assert second.status_code == 200
    assert "is already on file with prescription" in html and prescription.reference in html
    assert f"/prescriptions/{prescription.public_id}/" in html
    assert Prescription.objects.count() == 1 and PrescriptionFile.objects.count() == 1
    assert len(stored_files(private_dir)) == 1


def test_same_file_from_another_customer_is_a_separate_upload(alice_client, client, bob):
    data = unique_pdf()
    assert post_upload(alice_client, upload("rx.pdf", data)).status_code == 302
    client.force_login(bob)
    assert post_upload(client, upload("rx.pdf", data), first_name="Bob", last_name="Okafor").status_code == 302
    assert PrescriptionFile.objects.count() == 2


def test_upload_needs_the_patient_and_prescriber_details(alice_client, private_dir):
    response = post_upload(alice_client, upload("rx.pdf", unique_pdf()), first_name="", prescriber_name="")
    form = response.context["form"]
    assert "first_name" in form.errors and "prescriber_name" in form.errors
    assert PrescriptionFile.objects.count() == 0 and Prescription.objects.count() == 0
    # Only the file held for the retry is stored (test_held_uploads.py).
    assert [p.parent.name for p in stored_files(private_dir)] == ["held"]


def test_upload_page_requires_login(client, demo_shop):
    response = client.get(upload_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_upload_from_the_product_page_puts_the_medicine_in_the_basket_with_its_prescription(alice_client, alice):
    from oscar.core.loading import get_model

    response = post_upload(alice_client, upload("rx.pdf", unique_pdf()), add_to_basket="on")
    assert response.status_code == 302 and response["Location"] == "/basket/"
    line = get_model("basket", "Line").objects.get(basket__owner=alice)
    assert line.product.upc == "RX-ISO-20" and line.prescription == Prescription.objects.get()


def test_upload_from_the_product_page_links_the_line_already_in_the_basket(alice_client, alice):
    from oscar.core.loading import get_model

    add_to_basket(alice_client, "RX-ISO-20")
    post_upload(alice_client, upload("rx.pdf", unique_pdf()), add_to_basket="on")
    line = get_model("basket", "Line").objects.get(basket__owner=alice)
    assert line.quantity == 1 and line.prescription == Prescription.objects.get()


def test_otc_product_has_no_upload_page(alice_client):
    assert alice_client.get(upload_url("OTC-LIPBALM")).status_code == 404


def test_controlled_substance_upload_is_refused(alice_client):
    response = alice_client.get(upload_url("RX-TRAM-50"))
    assert response.status_code == 302


def test_customer_gets_the_received_email(alice_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        post_upload(alice_client, upload("rx.pdf", unique_pdf()))
    prescription = Prescription.objects.get()
    assert len(mail.outbox) == 1
    assert prescription.reference in mail.outbox[0].subject
    assert "Isotretinoin" not in mail.outbox[0].body  # no drug names in e-mail


# --- The inspection itself, without HTTP -------------------------------------------------


@pytest.mark.parametrize(
    "data, code",
    [
        pytest.param(b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 64, "executable", id="elf-program"),
        pytest.param(b"#!/bin/sh\nrm -rf ~\n", "executable", id="shell-script"),
        pytest.param(b"\xef\xbb\xbf  <svg xmlns='http://www.w3.org/2000/svg'/>", "markup", id="svg-after-bom"),
        pytest.param(files.pdf_with_page_additional_action(), "pdf_action", id="pdf-page-aa-action"),
        pytest.param(files.pdf_with_launch_open_action(), "pdf_action", id="pdf-launch-open-action"),
        pytest.param(files.pdf() + files.fake_exe(), "polyglot", id="pdf-with-appended-program"),
    ],
)
def test_more_disguised_files_are_refused(data, code):
    with pytest.raises(UploadRefused) as refused:
        inspect_bytes(data, original_name="prescription.pdf")
    assert refused.value.code == code


def test_hex_escaped_javascript_name_in_a_pdf_is_still_found():
    data = files.javascript_pdf().replace(b"/JavaScript", b"/J#61vaScript")
    with pytest.raises(UploadRefused) as refused:
        inspect_bytes(data, original_name="x.pdf")
    assert refused.value.code == "pdf_javascript"


def test_pdf_open_action_that_only_shows_a_page_is_accepted():
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=612, height=792)
    writer.open_destination = writer.pages[0]
    out = io.BytesIO()
    writer.write(out)
    assert b"/OpenAction" in out.getvalue()
    assert inspect_bytes(out.getvalue(), original_name="x.pdf").page_count == 1


def test_ten_page_pdf_is_accepted():
    assert inspect_bytes(files.pdf(10), original_name="x.pdf").page_count == 10


def test_image_limits_are_settings(settings):
    settings.PRESCRIPTION_MAX_IMAGE_SIDE = 50
    with pytest.raises(UploadRefused) as refused:
        inspect_bytes(files.png(size=(51, 10)), original_name="wide.png", limits=Limits.from_settings())
    assert refused.value.code == "image_too_large"


def test_empty_file_is_refused():
    with pytest.raises(UploadRefused, match="is empty"):
        inspect_bytes(b"", original_name="nothing.pdf")


def test_heic_photo_gets_a_helpful_message():
    with pytest.raises(UploadRefused, match="HEIC"):
        inspect_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic", original_name="IMG_0001.HEIC")


def test_a_pdf_that_takes_too_long_to_check_is_refused_not_waited_for():
    """The object walk has a wall-clock budget (PRESCRIPTION_MAX_PDF_SECONDS): a crafted file
    cannot hold a web worker. With no budget at all, even a plain PDF is 'too complex'."""
    with pytest.raises(UploadRefused) as refused:
        inspect_bytes(files.pdf(), original_name="slow.pdf", limits=Limits(max_pdf_seconds=0))
    assert refused.value.code == "pdf_unreadable" and "too complex" in str(refused.value)
    assert inspect_bytes(files.pdf(), original_name="plain.pdf", limits=Limits()).page_count == 1


# --- PDFs are parsed in a child process with CPU, memory and time limits -----------------

TOO_COMPLEX = "too complex a PDF to check safely"


def _refusal_and_seconds(data: bytes, limits: Limits) -> tuple[UploadRefused, float]:
    started = time.monotonic()
    with pytest.raises(UploadRefused) as refused:
        inspect_bytes(data, original_name="prescription.pdf", limits=limits)
    return refused.value, time.monotonic() - started


def test_a_deeply_nested_pdf_is_refused_as_too_complex_quickly():
    refusal, seconds = _refusal_and_seconds(badfiles.pdf_deeply_nested(), Limits(max_pdf_seconds=2))
    assert refusal.code == "pdf_unreadable" and TOO_COMPLEX in refusal.message
    assert seconds < 15


def test_a_pdf_with_a_huge_cross_reference_table_is_stopped_by_the_cpu_budget():
    """Reading 1.9 million cross-reference rows takes pypdf far longer than the budget:
    opening the file is inside the budget too, and the child is killed."""
    refusal, seconds = _refusal_and_seconds(badfiles.pdf_huge_xref(), Limits(max_pdf_seconds=1))
    assert refusal.code == "pdf_unreadable" and TOO_COMPLEX in refusal.message
    assert seconds < 15


def test_the_pdf_parser_runs_under_a_memory_limit():
    """A valid PDF whose object stream inflates to 60 MB: accepted with the default
    memory limit, refused (not a worker swapping) under a 70 MB one."""
    data = badfiles.pdf_object_stream_of(60)
    # A generous time budget: this is about memory, and a loaded CI machine must not make it about time.
    roomy = Limits(max_pdf_seconds=60)
    assert inspect_bytes(data, original_name="big.pdf", limits=roomy).page_count == 1
    refusal, _ = _refusal_and_seconds(data, Limits(max_pdf_memory=70 * MB))
    assert TOO_COMPLEX in refusal.message


def test_a_pdf_parser_that_hangs_is_killed_on_the_wall_clock(monkeypatch, tmp_path):
    sleeper = tmp_path / "hang.py"
    sleeper.write_text("import time\ntime.sleep(120)\n")  # no CPU used: only the wall clock stops it
    monkeypatch.setattr(uploads, "_PROBE", sleeper)
    refusal, seconds = _refusal_and_seconds(files.pdf(), Limits(max_pdf_seconds=0.5))
    assert TOO_COMPLEX in refusal.message
    assert seconds < 15


def test_a_pdf_parser_that_crashes_refuses_the_file(monkeypatch, tmp_path):
    crasher = tmp_path / "crash.py"
    crasher.write_text("import os\nos.abort()\n")
    monkeypatch.setattr(uploads, "_PROBE", crasher)
    refusal, _ = _refusal_and_seconds(files.pdf(), Limits())
    assert TOO_COMPLEX in refusal.message


def test_a_pdf_with_an_object_that_cannot_be_read_is_refused_not_half_checked():
    refusal, _ = _refusal_and_seconds(badfiles.pdf_with_dangling_reference(), Limits())
    assert refusal.code == "pdf_unreadable" and "cannot be read" in refusal.message


def test_the_pdf_parser_does_not_load_django(tmp_path):
    """The child imports pypdf and the probe, nothing of ours and no Django settings."""
    sample = tmp_path / "sample.pdf"
    sample.write_bytes(files.pdf())
    script = (
        "import runpy, sys\n"
        f"probe = runpy.run_path({str(uploads._PROBE)!r}, run_name='probe')\n"
        f"print(probe['check'](open({str(sample)!r}, 'rb').read(), max_objects=1000, max_seconds=5))\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'prescriptions', 'shop')))\n"
    )
    completed = subprocess.run([sys.executable, "-I", "-c", script], capture_output=True, text=True, check=True)
    assert completed.stdout.splitlines() == ["{'pages': 1}", "[]"]
