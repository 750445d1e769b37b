"""Private storage: files only through the access-checked view, 404 for
everyone but the owner and pharmacy staff, every staff open logged (issue 4 §3)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission

from prescriptions.models import AppendOnlyError, PrescriptionFileAccess, private_storage

from . import files
from .conftest import log_in_staff, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def alices_prescription(alice):
    return submit(alice)


def file_url(prescription_file):
    return f"/prescriptions/files/{prescription_file.public_id}/"


def page_url(prescription):
    return f"/prescriptions/{prescription.public_id}/"


def test_owner_can_open_her_prescription_file_with_safe_headers(alice_client, alices_prescription):
    prescription_file = alices_prescription.files.get()
    response = alice_client.get(file_url(prescription_file))
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    with private_storage().open(prescription_file.stored_name, "rb") as handle:
        assert body == handle.read()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="{prescription_file.download_name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store, private"
    assert PrescriptionFileAccess.objects.count() == 0  # the owner's own opens are not staff disclosures


def test_customer_b_gets_404_for_customer_a_prescription_file(client, bob, alices_prescription):
    client.force_login(bob)
    assert client.get(file_url(alices_prescription.files.get())).status_code == 404


def test_customer_b_gets_404_for_customer_a_prescription_page(client, bob, alices_prescription):
    client.force_login(bob)
    assert client.get(page_url(alices_prescription)).status_code == 404


def test_guessed_ids_get_the_same_404_as_someone_elses(client, bob, alices_prescription):
    client.force_login(bob)
    real_other = client.get(file_url(alices_prescription.files.get()))
    for guess in (
        f"/prescriptions/files/{uuid.uuid4()}/",
        f"/prescriptions/{uuid.uuid4()}/",
        "/prescriptions/files/1/",
        f"/prescriptions/{alices_prescription.pk}/",
        f"/prescriptions/files/{alices_prescription.public_id}/",
    ):
        response = client.get(guess)
        assert response.status_code == 404, guess
        # The same page as for a real id of someone else's: no hint that an id exists.
        assert [t.name for t in response.templates] == [t.name for t in real_other.templates]


def test_anonymous_users_are_sent_to_log_in(client, alices_prescription):
    for url in (file_url(alices_prescription.files.get()), page_url(alices_prescription), "/prescriptions/"):
        response = client.get(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/?next=")


def test_pharmacy_staff_can_open_the_file_and_the_open_is_logged(pharmacist_client, pharmacist, alices_prescription):
    client = pharmacist_client
    prescription_file = alices_prescription.files.get()
    response = client.get(file_url(prescription_file), REMOTE_ADDR="203.0.113.7", HTTP_USER_AGENT="ReviewDesk/1.0")
    assert response.status_code == 200
    access = PrescriptionFileAccess.objects.get()
    assert (access.user, access.file, access.ip_address, access.user_agent) == (
        pharmacist,
        prescription_file,
        "203.0.113.7",
        "ReviewDesk/1.0",
    )
    client.get(file_url(prescription_file))
    assert PrescriptionFileAccess.objects.count() == 2  # every open, not just the first


def test_staff_without_the_permission_get_404(client, demo_shop, django_user_model, alices_prescription):
    clerk = django_user_model.objects.create_user(
        username="clerk@example.com",
        email="clerk@example.com",
        password="clerk-pass-2026",
        is_staff=True,
    )
    log_in_staff(client, clerk)
    assert client.get(file_url(alices_prescription.files.get())).status_code == 404
    assert PrescriptionFileAccess.objects.count() == 0


def test_pharmacy_staff_do_not_see_the_customer_page(pharmacist_client, alices_prescription):
    assert pharmacist_client.get(page_url(alices_prescription)).status_code == 404


def test_access_ip_comes_from_the_trusted_proxy_header(pharmacist_client, alices_prescription, settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    pharmacist_client.get(
        file_url(alices_prescription.files.get()),
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.1, 192.0.2.44",
    )
    assert PrescriptionFileAccess.objects.get().ip_address == "192.0.2.44"


def test_access_log_is_append_only(pharmacist_client, alices_prescription):
    pharmacist_client.get(file_url(alices_prescription.files.get()))
    access = PrescriptionFileAccess.objects.get()
    access.ip_address = "127.0.0.1"
    with pytest.raises(AppendOnlyError):
        access.save()
    with pytest.raises(AppendOnlyError):
        access.delete()
    with pytest.raises(AppendOnlyError):
        PrescriptionFileAccess.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        PrescriptionFileAccess.objects.update(ip_address=None)


def test_image_file_is_served_inline_as_an_image(alice_client, alice):
    prescription = submit(alice, data=files.png(color="red"))
    response = alice_client.get(file_url(prescription.files.get()))
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith('inline; filename="prescription-')


def test_stored_files_are_outside_every_public_folder_and_never_linked(alice_client, alices_prescription, settings):
    from pathlib import Path

    stored = alices_prescription.files.get()
    location = Path(private_storage().path(stored.stored_name)).resolve()
    for public in (settings.MEDIA_ROOT, settings.STATIC_ROOT):
        assert not location.is_relative_to(Path(public).resolve())
    for url in ("/prescriptions/", f"/prescriptions/{alices_prescription.public_id}/"):
        html = alice_client.get(url).content.decode()
        assert stored.stored_name not in html and stored.stored_name.split("/")[-1] not in html


def test_prescription_file_view_permission_exists_for_the_review_groups():
    assert Permission.objects.filter(content_type__app_label="prescriptions", codename="view_prescriptionfile").exists()


def test_the_private_storage_gives_no_direct_url_locally_or_on_s3(alices_prescription):
    """Without this FileSystemStorage would answer with MEDIA_URL + name, and S3 with a pre-signed
    link: both skip the access check and the access log."""
    from prescriptions.storage import PrivateFileHasNoURL, PrivateS3Storage

    stored = alices_prescription.files.get().stored_name
    with pytest.raises(PrivateFileHasNoURL):
        private_storage().url(stored)
    with pytest.raises(PrivateFileHasNoURL):
        PrivateS3Storage(bucket_name="rxshop-private", access_key="k", secret_key="s").url(stored)
