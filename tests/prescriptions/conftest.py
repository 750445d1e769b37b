"""Helpers for the prescriptions tests: the private file folder, and the upload form's data.

The role fixtures (``pharmacist``, ``pharmacist_client``, ``staff_admin_client``...) are in
tests/conftest.py; prescriptions are built through the services by ``tests.factories``
(``submit``, ``verify`` and ``PrescriptionFactory``), re-exported here for the tests that
import them from this module.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import (  # noqa: F401  (re-exported)
    PATIENT,
    PRESCRIBER,
    log_in_staff,
    submit,
    unique_pdf,
    verify,
)


@pytest.fixture
def private_dir() -> Path:
    return Path(settings.STORAGES["private"]["OPTIONS"]["location"])


def stored_files(private_dir: Path) -> list[Path]:
    return [p for p in private_dir.rglob("*") if p.is_file()] if private_dir.exists() else []


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
