"""Transcription that types less and catches more (issue 20.11): the form starts with what is
already known, each value marked with where it came from, and the decision shows where the
transcription differs from what the customer entered."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from prescriptions.review import selectors, services
from tests.factories import PrescriptionFactory, product

from .conftest import good_transcription, transcribe

pytestmark = pytest.mark.django_db


def url(prescription, name):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def input_value(html: str, name: str) -> str | None:
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    value = re.search(r'value="([^"]*)"', tag.group()) if tag else None
    return value.group(1) if value else None


def test_an_empty_transcription_starts_with_what_is_known(alice, bob, technician, technician_client):
    earlier = PrescriptionFactory(customer=bob, product=product("RX-ISO-20"))
    transcribe(earlier, technician)  # Jane Smith, MD, NPI 1234567893
    prescription = PrescriptionFactory(customer=alice, product=product("RX-ISO-20"))  # "Dr Jane Smith, MD"
    services.claim_for_review(prescription=prescription, reviewer=technician)
    html = technician_client.get(url(prescription, "pharmacy-review")).content.decode()
    assert input_value(html, "prescriber_name") == "Dr Jane Smith, MD"
    assert input_value(html, "quantity") == "30" and input_value(html, "refills") == "0"
    assert input_value(html, "drug_name") == "Isotretinoin" and input_value(html, "strength") == "20 mg"
    assert input_value(html, "prescriber_npi") == "1234567893"  # this prescriber's, from an earlier one
    assert html.count("Filled in from the customer: check it against the document.") >= 3
    assert html.count("Filled in from our records: check it against the document.") >= 3
    assert input_value(html, "days_supply") is None  # only the document says that


def test_no_npi_is_guessed_for_another_prescriber(alice, bob, technician):
    earlier = PrescriptionFactory(customer=bob, product=product("RX-ISO-20"))
    transcribe(earlier, technician, good_transcription(prescriber_name="Robert Smithson, MD"))
    prescription = PrescriptionFactory(customer=alice, product=product("RX-ISO-20"))
    assert "prescriber_npi" not in selectors.transcription_prefill(prescription).values


def test_titles_and_order_do_not_make_a_different_prescriber():
    assert selectors.prescriber_key("Dr. Jane Smith") == selectors.prescriber_key("Smith, Jane MD")
    assert selectors.prescriber_key("Jane Smith") != selectors.prescriber_key("Jane Smithson")


def test_a_different_prescriber_name_is_flagged_to_the_pharmacist(
    prescription, technician, pharmacist, pharmacist_client
):
    transcribe(prescription, technician, good_transcription(prescriber_name="Paul Novak, MD", quantity=60))
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    html = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    flagged = html[html.index("The transcription differs from what the customer entered") :].split("</ul>")[0]
    assert "Prescriber: the customer entered “Dr Jane Smith, MD”, the transcription says “Paul Novak, MD”." in flagged
    assert "Quantity: the customer entered “30”, the transcription says “60”." in flagged


def test_the_same_prescriber_written_differently_is_not_flagged(claimed, pharmacist_client):
    # The customer typed "Dr Jane Smith, MD"; the transcription says "Jane Smith, MD".
    html = pharmacist_client.get(url(claimed, "pharmacy-review")).content.decode()
    assert "differs from what the customer entered" not in html
