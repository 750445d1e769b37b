"""An upload form sent back for another field keeps the chosen files for the retry, and says
what is wrong (issue 20.1). The files are held in private storage for two hours, for that
customer only, checked again when used, and deleted once submitted or swept when stale."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from prescriptions import services
from prescriptions.models import Prescription, PrescriptionFile
from tests.factories import product

from .conftest import form_data, stored_files, unique_pdf, upload

pytestmark = pytest.mark.django_db


def upload_url():
    return f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"


def held(private_dir):
    return [p for p in stored_files(private_dir) if p.parent.name == "held"]


def send_back(client, name="my-rx.pdf", **overrides):
    """An upload with a good file and a wrong ZIP code: the form comes back."""
    response = client.post(
        upload_url(), {**form_data(postcode="1120", **overrides), "files": [upload(name, unique_pdf())]}
    )
    assert response.status_code == 200 and Prescription.objects.count() == 0
    return response


def test_the_form_sent_back_keeps_the_file_and_says_what_is_wrong(alice_client, private_dir):
    response = send_back(alice_client)
    html = response.content.decode()
    assert "Your prescription was not sent yet. Please correct:" in html
    assert '<a href="#id_postcode">ZIP code</a>: Enter a US ZIP code (12345 or 12345-6789).' in html
    assert "We kept the file you chose; you do not need to choose it again." in html
    assert "Kept from your last try: <strong>my-rx.pdf</strong>" in html
    assert len(held(private_dir)) == 1


def test_the_retry_without_choosing_the_file_again_submits_the_held_file(alice_client, private_dir):
    token = send_back(alice_client).context["form"].data["held_files"]
    response = alice_client.post(upload_url(), {**form_data(), "held_files": token})
    assert response.status_code == 302
    prescription = Prescription.objects.get()
    assert [f.original_name for f in prescription.files.all()] == ["my-rx.pdf"]
    assert held(private_dir) == []  # used, then deleted


def test_new_files_chosen_on_the_retry_replace_the_held_ones(alice_client, private_dir):
    token = send_back(alice_client).context["form"].data["held_files"]
    response = alice_client.post(
        upload_url(), {**form_data(), "held_files": token, "files": [upload("clearer.pdf", unique_pdf())]}
    )
    assert response.status_code == 302
    assert [f.original_name for f in PrescriptionFile.objects.all()] == ["clearer.pdf"]


def test_another_customer_cannot_use_the_held_files(alice_client, client, bob, private_dir):
    token = send_back(alice_client).context["form"].data["held_files"]
    client.force_login(bob)
    response = client.post(upload_url(), {**form_data(first_name="Bob", last_name="Okafor"), "held_files": token})
    assert response.status_code == 200 and "files" in response.context["form"].errors
    assert Prescription.objects.count() == 0


def test_held_files_expire_after_two_hours_and_are_swept(alice_client, alice, private_dir):
    token = send_back(alice_client).context["form"].data["held_files"]
    later = timezone.now() + services.held.HOLD_FOR + datetime.timedelta(minutes=1)
    with time_machine.travel(later):
        assert services.held_files(customer=alice, token=token) == []
        assert services.delete_expired_held_files(now=later) != []
    assert held(private_dir) == []


def test_held_files_younger_than_two_hours_are_not_swept(alice_client, private_dir):
    send_back(alice_client)
    just_before = timezone.now() + services.held.HOLD_FOR - datetime.timedelta(minutes=1)
    assert services.delete_expired_held_files(now=just_before) == []
    assert len(held(private_dir)) == 1
