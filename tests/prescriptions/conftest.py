"""Fixtures for the prescriptions tests: a pharmacist, and prescriptions built
through the services (never by assigning a status)."""
from __future__ import annotations

import datetime
import itertools
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile

from prescriptions import services
from prescriptions.models import PrescriptionStatus
from prescriptions.uploads import inspect_bytes
from tests.factories import product

from . import files

_unique = itertools.count(1)


@pytest.fixture
def pharmacist(demo_shop, django_user_model):
    user = django_user_model.objects.get(email="pharmacist@example.com")
    user.user_permissions.add(
        *Permission.objects.filter(
            content_type__app_label="prescriptions",
            codename__in=["review_prescription", "view_prescriptionfile"],
        )
    )
    return django_user_model.objects.get(pk=user.pk)  # fresh permission cache


@pytest.fixture
def private_dir() -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files(private_dir: Path) -> list[Path]:
    return [p for p in private_dir.rglob("*") if p.is_file()] if private_dir.exists() else []


def unique_pdf(pages: int = 1) -> bytes:
    return files.pdf(pages, text=b"test file %d" % next(_unique))


def upload(name: str, data: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def form_data(**overrides) -> dict:
    data = {
        "relationship": "self",
        "first_name": "Alice",
        "last_name": "Moreno",
        "date_of_birth": "1994-05-17",
        "address_line1": "22 Jay Street",
        "city": "Brooklyn",
        "state": "NY",
        "postcode": "11201",
        "prescriber_name": "Dr Jane Smith, MD",
        "prescriber_phone": "+1 212 555 0199",
        "prescriber_email": "jsmith@clinic.example",
        "quantity": "30",
        "refills_authorized": "0",
    }
    data.update(overrides)
    return data


PATIENT = services.PatientDetails(
    relationship="self", first_name="Alice", last_name="Moreno", date_of_birth=datetime.date(1994, 5, 17),
    address_line1="22 Jay Street", city="Brooklyn", state="NY", postcode="11201",
)
PRESCRIBER = services.PrescriberDetails(name="Dr Jane Smith, MD", phone="+1 212 555 0199")


def submit(customer, upc: str = "RX-ISO-20", *, data: bytes | None = None, quantity: int = 30,
           refills: int = 0, basket_line=None, patient=None):
    accepted = inspect_bytes(data or unique_pdf(), original_name="prescription.pdf")
    details = None
    if patient is None:
        patient = customer.patients.filter(relationship="self").first()
        if patient is None:
            details = services.PatientDetails(**{**PATIENT.__dict__, "first_name": customer.first_name,
                                                 "last_name": customer.last_name})
    return services.submit_prescription(
        customer=customer, product=product(upc), prescriber=PRESCRIBER, quantity=quantity,
        refills_authorized=refills, files=[accepted], patient=patient, patient_details=details,
        basket_line=basket_line,
    )


def verify(prescription, pharmacist):
    services.transition_prescription(prescription=prescription, to_status=PrescriptionStatus.IN_REVIEW,
                                     actor=pharmacist)
    services.transition_prescription(prescription=prescription, to_status=PrescriptionStatus.VERIFIED,
                                     actor=pharmacist, reason_code="valid")
    return prescription


STAFF_TOTP_KEY = "3132333435363738393031323334353637383939"


def log_in_staff(client, user):
    """Log a staff member in and pass the second factor (infra/staff.py),
    as a member of staff does in the browser."""
    from django_otp.oath import totp
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Test authenticator", key=STAFF_TOTP_KEY, confirmed=True)
    client.force_login(user)
    code = f"{totp(bytes.fromhex(device.key), t0=0, step=30, digits=6):06d}"
    response = client.post("/pharmacy/staff/verify/", {
        "otp_device": device.persistent_id, "otp_token": code, "next": "/accounts/profile/",
    })
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/", "second factor failed"
    return client


@pytest.fixture
def pharmacist_client(client, pharmacist):
    return log_in_staff(client, pharmacist)


@pytest.fixture
def staff_admin_client(client, demo_shop, django_user_model):
    return log_in_staff(client, django_user_model.objects.get(email="admin@example.com"))
