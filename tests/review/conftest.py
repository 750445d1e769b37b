"""Prescriptions at each step of the review workspace, built through the services
(tests/factories/prescriptions.py). Alice's prescription is advanced step by step, so a
test that asks for ``prescription`` and ``claimed`` gets one prescription.

The roles (``pharmacist``, ``technician``, ``second_pharmacist``, ``shop_admin`` and their
clients) are in tests/conftest.py.
"""

from __future__ import annotations

import pytest

from prescriptions.review import services
from tests.factories import (  # noqa: F401  (re-exported for the tests that import them from here)
    PrescriptionFactory,
    good_transcription,
    product,
    staff_client,
    submit,
    transcribe,
)


@pytest.fixture
def prescription(alice):
    """Alice's isotretinoin 20 mg prescription, just uploaded."""
    return PrescriptionFactory(customer=alice, product=product("RX-ISO-20"))


@pytest.fixture
def transcribed(prescription, technician):
    """Transcribed by the technician and back in the queue."""
    transcribe(prescription, technician)
    prescription.refresh_from_db()
    return prescription


@pytest.fixture
def claimed(transcribed, pharmacist):
    """Transcribed by the technician, now opened by the pharmacist (in review)."""
    services.claim_for_review(prescription=transcribed, reviewer=pharmacist)
    transcribed.refresh_from_db()
    return transcribed
