"""My prescriptions: the customer's list, detail, answering a question (issue 4 §5)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import services
from prescriptions.models import PrescriptionStatus as S

from . import files
from .conftest import submit, unique_pdf, upload, verify

pytestmark = pytest.mark.django_db


def ask(prescription, pharmacist, question="Please upload page 2, which has the prescriber's signature."):
    services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
    services.transition_prescription(
        prescription=prescription, to_status=S.INFO_REQUESTED, actor=pharmacist, message_to_customer=question
    )


def test_my_prescriptions_lists_status_what_it_covers_and_next_step(alice_client, alice, pharmacist):
    waiting = submit(alice, "RX-DOXY-100", quantity=28)
    rejected = submit(alice, "RX-ISO-20")
    services.transition_prescription(prescription=rejected, to_status=S.IN_REVIEW, actor=pharmacist)
    services.transition_prescription(
        prescription=rejected,
        to_status=S.REJECTED,
        actor=pharmacist,
        message_to_customer="The prescription is dated more than a year ago.",
    )
    questioned = submit(alice, "RX-ISO-30")
    ask(questioned, pharmacist)
    html = alice_client.get("/prescriptions/").content.decode()
    assert waiting.reference in html and "Waiting for a pharmacist" in html
    assert "Doxycycline hyclate 100 mg capsules (28)" in html and "Alice Moreno" in html
    assert "Not accepted" in html and "The prescription is dated more than a year ago." in html
    assert "Our pharmacist has a question" in html and "Please upload page 2" in html
    assert "Answer the question" in html
    assert "upload a new prescription" in html  # what to do after a rejection


def test_my_prescriptions_shows_only_my_own(alice_client, bob):
    theirs = submit(bob)
    assert theirs.reference not in alice_client.get("/prescriptions/").content.decode()


def test_my_prescriptions_costs_the_same_number_of_queries_for_1_and_50(
    alice_client, alice, pharmacist, django_assert_num_queries
):
    first = submit(alice, "RX-ISO-20")
    verify(submit(alice, "RX-DOXY-100"), pharmacist)  # one verified row: its refill picture is on the page too
    alice_client.get("/prescriptions/")  # warm what any page warms (site, session)
    with CaptureQueriesContext(connection) as for_one:
        assert alice_client.get("/prescriptions/").status_code == 200

    ask(first, pharmacist)
    for i in range(49):
        prescription = submit(alice, ("RX-ISO-10", "RX-ISO-20", "RX-DOXY-100")[i % 3])
        if i % 7 == 0:
            verify(prescription, pharmacist)
    with django_assert_num_queries(len(for_one.captured_queries)):
        response = alice_client.get("/prescriptions/")
    html = response.content.decode()
    newest_first = list(alice.prescriptions.order_by("-created_at", "-id"))
    assert all(p.reference in html for p in newest_first[:20])  # a page of 20, newest first
    assert not any(p.reference in html for p in newest_first[20:])
    later = alice_client.get("/prescriptions/?page=3").content.decode()
    assert all(p.reference in later for p in newest_first[40:]) and first.reference in later


def test_detail_page_shows_files_and_history(alice_client, alice, pharmacist):
    prescription = submit(alice, "RX-DOXY-100", quantity=28, refills=2)
    verify(prescription, pharmacist)
    html = alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode()
    prescription_file = prescription.files.get()
    assert f"/prescriptions/files/{prescription_file.public_id}/" in html
    assert "Verified" in html and "by our pharmacy" in html and "by you" in html
    assert "fills used: 0 of 3" in html
    assert "Dr Jane Smith, MD" in html


def test_answering_the_question_moves_it_back_to_submitted(alice_client, alice, pharmacist, private_dir):
    prescription = submit(alice)
    ask(prescription, pharmacist)
    page = alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode()
    assert "Answer the pharmacist" in page and "Please upload page 2" in page
    response = alice_client.post(
        f"/prescriptions/{prescription.public_id}/answer/",
        {"answer": "Here is page 2.", "files": [upload("page2.jpg", files.jpeg(color="navy"), "image/jpeg")]},
    )
    assert response.status_code == 302
    prescription.refresh_from_db()
    assert prescription.status == S.SUBMITTED
    event = prescription.events.last()
    assert (event.from_status, event.to_status, event.actor, event.message_from_customer) == (
        S.INFO_REQUESTED,
        S.SUBMITTED,
        alice,
        "Here is page 2.",
    )
    assert prescription.files.count() == 2


def test_answer_with_a_bad_file_is_refused_and_changes_nothing(alice_client, alice, pharmacist, private_dir):
    prescription = submit(alice)
    ask(prescription, pharmacist)
    response = alice_client.post(
        f"/prescriptions/{prescription.public_id}/answer/",
        {"answer": "see attached", "files": [upload("page2.png", files.svg_image(), "image/png")]},
    )
    assert response.status_code == 200 and "SVG" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == S.INFO_REQUESTED and prescription.files.count() == 1


def test_answer_when_no_question_is_waiting_is_refused(alice_client, alice):
    prescription = submit(alice)
    response = alice_client.post(f"/prescriptions/{prescription.public_id}/answer/", {"answer": "hello"})
    assert response.status_code == 200
    assert "No question" in response.content.decode()
    assert prescription.events.count() == 1


def test_customer_b_cannot_answer_customer_a_question(client, bob, alice, pharmacist):
    prescription = submit(alice)
    ask(prescription, pharmacist)
    client.force_login(bob)
    response = client.post(f"/prescriptions/{prescription.public_id}/answer/", {"answer": "me"})
    assert response.status_code == 404
    prescription.refresh_from_db()
    assert prescription.status == S.INFO_REQUESTED


def test_second_upload_can_reuse_the_patient_on_file(alice_client, alice):
    from tests.factories import product

    first = submit(alice)
    patient = first.patient
    response = alice_client.post(
        f"/prescriptions/upload/product/{product('RX-DOXY-100').pk}/",
        {
            "patient": str(patient.public_id),
            "prescriber_name": "Dr Lee",
            "prescriber_phone": "555-0100",
            "quantity": "28",
            "refills_authorized": "1",
            "files": [upload("doxy.pdf", unique_pdf())],
        },
    )
    assert response.status_code == 302
    assert alice.prescriptions.count() == 2 and alice.patients.count() == 1


def test_dependent_patient_is_recorded(alice_client, alice):
    from tests.factories import product

    submit(alice)
    response = alice_client.post(
        f"/prescriptions/upload/product/{product('RX-DOXY-100').pk}/",
        {
            "relationship": "child",
            "first_name": "Sam",
            "last_name": "Moreno",
            "date_of_birth": "2012-02-03",
            "address_line1": "22 Jay Street",
            "city": "Brooklyn",
            "state": "NY",
            "postcode": "11201",
            "prescriber_name": "Dr Lee",
            "prescriber_phone": "555-0100",
            "quantity": "28",
            "refills_authorized": "0",
            "files": [upload("sam.pdf", unique_pdf())],
        },
    )
    assert response.status_code == 302
    sam = alice.patients.get(first_name="Sam")
    assert sam.relationship == "child" and sam.prescriptions.get().product.upc == "RX-DOXY-100"


def test_cannot_use_another_customers_patient(alice_client, bob):
    from tests.factories import product

    bobs = submit(bob).patient
    response = alice_client.post(
        f"/prescriptions/upload/product/{product('RX-DOXY-100').pk}/",
        {
            "patient": str(bobs.public_id),
            "prescriber_name": "Dr Lee",
            "prescriber_phone": "555-0100",
            "quantity": "28",
            "refills_authorized": "0",
            "files": [upload("x.pdf", unique_pdf())],
        },
    )
    assert response.status_code == 200 and "patient" in response.context["form"].errors
