"""Transfer in: the patient's request becomes an item on the pharmacy's refills page (with its
age); a pharmacist records it, and the DEA's transfer rules refuse what federal law forbids."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from prescriptions.models import TransferRequest
from tests.factories import staff_client, submit

pytestmark = pytest.mark.django_db


def ask_for_transfer(client, patient) -> TransferRequest:
    response = client.post(
        "/prescriptions/transfer/",
        {
            "patient": patient.pk,
            "pharmacy_name": "Corner Drugs",
            "pharmacy_phone": "+1 212 555 0142",
            "prescription_number": "6012345",
            "drug": "Alprazolam 0.5 mg tablets",
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    return TransferRequest.objects.get()


WORKED = {
    "outcome": "transferred",
    "transferring_pharmacist": "Sam Lee, RPh",
    "transferring_pharmacy_address": "1 Corner St, Brooklyn, NY 11201",
    "transferring_pharmacy_dea": "BC1234563",
    "dea_schedule": "4",
    "filled": "on",
    "electronic": "on",
    "date_written": "2026-10-01",
    "refills_authorized": "5",
    "fills_remaining": "3",
    "first_filled_on": "2026-10-02",
}


def test_a_transfer_request_is_worked_by_a_pharmacist_under_the_dea_rules(alice_client, alice, pharmacist, technician):
    submit(alice, "RX-DOXY-100")  # her patient record
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=30)):
        item = ask_for_transfer(alice_client, alice.patients.get())
    assert item.state == TransferRequest.State.REQUESTED and item.customer == alice

    page = staff_client(technician).get("/dashboard/pharmacy/refills/").content.decode()
    assert item.reference in page and "Corner Drugs" in page and "30 h" in page
    assert staff_client(technician).get(f"/dashboard/pharmacy/transfers/{item.public_id}/").status_code == 403

    pharmacist_client = staff_client(pharmacist)
    url = f"/dashboard/pharmacy/transfers/{item.public_id}/"
    # Refills of a Schedule IV prescription that was already transferred once cannot move again.
    response = pharmacist_client.post(url, {**WORKED, "transferred_before": "on"}, follow=True)
    assert "21 CFR 1306.25(a)" in response.content.decode()
    item.refresh_from_db()
    assert item.state == TransferRequest.State.REQUESTED

    response = pharmacist_client.post(url, WORKED)
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.state == TransferRequest.State.TRANSFERRED and item.worked_by == pharmacist
    assert (item.transferring_pharmacist, item.fills_remaining, item.first_filled_on) == (
        "Sam Lee, RPh",
        3,
        datetime.date(2026, 10, 2),
    )
    assert "is recorded" in pharmacist_client.get("/dashboard/pharmacy/refills/").content.decode()  # the message
    assert item.reference not in pharmacist_client.get("/dashboard/pharmacy/refills/").content.decode()
    assert "Transferred" in alice_client.get("/prescriptions/transfer/").content.decode()


def test_a_refused_transfer_tells_the_patient_why(alice_client, alice, pharmacist):
    submit(alice, "RX-DOXY-100")
    item = ask_for_transfer(alice_client, alice.patients.get())
    staff_client(pharmacist).post(
        f"/dashboard/pharmacy/transfers/{item.public_id}/",
        {"outcome": "refused", "note": "Corner Drugs has no refills left on it."},
    )
    page = alice_client.get("/prescriptions/transfer/").content.decode()
    assert "Could not be transferred" in page and "no refills left on it" in page


def test_one_cannot_ask_for_a_transfer_for_someone_elses_patient(alice_client, bob):
    submit(bob, "RX-DOXY-100")
    response = alice_client.post(
        "/prescriptions/transfer/",
        {
            "patient": bob.patients.get().pk,
            "pharmacy_name": "X",
            "pharmacy_phone": "1",
            "prescription_number": "1",
            "drug": "Y",
        },
    )
    assert response.status_code == 200 and not TransferRequest.objects.exists()
