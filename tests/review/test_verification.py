"""The review screen's two steps: transcription, then the compliance findings
and the pharmacist's decision (issue 5 §4, §6)."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from compliance.models import ComplianceEvaluation, ProgrammeCertification
from prescriptions.models import PrescriptionEvent
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import services
from prescriptions.review.models import ReviewClaim, ReviewDecision, Transcription, TranscriptionChange
from tests.prescriptions import files
from tests.prescriptions.conftest import submit

from .conftest import good_transcription, staff_client, transcribe

pytestmark = pytest.mark.django_db


def url(prescription, name):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def form_data(data: services.TranscriptionData, version: int) -> dict:
    values = {}
    for name, value in data.cleaned().items():
        if value is None or value == "" or value is False:
            continue
        if name == "completed_elements":
            continue
        values[name] = "on" if value is True else (value.isoformat() if hasattr(value, "isoformat") else value)
    return {**values, "version": version}


# --- The screen -------------------------------------------------------------------------------


def test_review_screen_shows_document_patient_account_and_history(alice, pharmacist, pharmacist_client):
    earlier = submit(alice, upc="RX-DOXY-100")
    image = submit(alice, data=files.png(size=(600, 800), color="white"))
    pdf = submit(alice)
    page = pharmacist_client.get(url(image, "pharmacy-review")).content.decode()
    image_file = image.files.get()
    assert f'<img src="/prescriptions/files/{image_file.public_id}/"' in page
    assert "Alice Moreno" in page and "1994-05-17" in page and "alice@example.com" in page
    assert earlier.reference in page and pdf.reference in page  # the patient's other prescriptions
    assert "Isotretinoin 20 mg capsules (30)" in page
    page = pharmacist_client.get(url(pdf, "pharmacy-review")).content.decode()
    assert f'<iframe src="/prescriptions/files/{pdf.files.get().public_id}/"' in page


def test_the_file_view_may_be_framed_by_the_review_screen_only(alice, pharmacist_client, prescription):
    response = pharmacist_client.get(f"/prescriptions/files/{prescription.files.get().public_id}/")
    assert response.status_code == 200 and response["X-Frame-Options"] == "SAMEORIGIN"
    assert pharmacist_client.get(url(prescription, "pharmacy-review"))["X-Frame-Options"] == "DENY"


def test_review_screen_shows_basket_lines_it_covers(alice, alice_client, pharmacist_client):
    from tests.factories import add_to_basket

    add_to_basket(alice_client, "RX-ISO-20")
    from oscar.core.loading import get_model

    line = get_model("basket", "Line").objects.get(basket__owner=alice)
    prescription = submit(alice, basket_line=line)
    page = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    assert f"Basket {line.basket_id}" in page


# --- Step 1 -----------------------------------------------------------------------------------


def test_transcribing_records_old_and_new_values_and_runs_the_checks(prescription, technician, technician_client):
    technician_client.post(url(prescription, "pharmacy-claim"))
    response = technician_client.post(
        url(prescription, "pharmacy-transcribe"), form_data(good_transcription(), 0), REMOTE_ADDR="198.51.100.4"
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    transcription = Transcription.objects.get(prescription=prescription)
    assert transcription.version == 1 and transcription.quantity == 30 and transcription.prescriber_npi == "1234567893"
    evaluation = transcription.latest_evaluation
    assert evaluation.subject == f"prescription:{prescription.pk}" and evaluation.stage == "verify"
    assert len(evaluation.fingerprint) == 64 and evaluation.actor == technician
    technician_client.post(
        url(prescription, "pharmacy-transcribe"),
        form_data(good_transcription(quantity=20, prescriber_npi="1245319599"), 1),
    )
    change = TranscriptionChange.objects.get(version=2)
    assert change.changes == {
        "quantity": {"old": 30, "new": 20},
        "prescriber_npi": {"old": "1234567893", "new": "1245319599"},
    }
    first = TranscriptionChange.objects.get(version=1)
    assert first.changes["drug_name"] == {"old": "", "new": "Isotretinoin"}
    assert (first.changed_by, first.ip_address) == (technician, "198.51.100.4")
    assert ComplianceEvaluation.objects.filter(subject=f"prescription:{prescription.pk}").count() == 2


def test_saving_the_same_values_again_records_no_change(prescription, technician):
    transcribe(prescription, technician, release=False)
    services.save_transcription(
        prescription=prescription, user=technician, data=good_transcription(), expected_version=1
    )
    assert TranscriptionChange.objects.count() == 1


def test_a_stale_form_is_refused(prescription, technician):
    transcribe(prescription, technician, release=False)
    with pytest.raises(services.StaleForm):
        services.save_transcription(
            prescription=prescription, user=technician, data=good_transcription(quantity=10), expected_version=0
        )


def test_only_a_pharmacist_records_completing_a_missing_element(prescription, technician):
    services.claim_for_review(prescription=prescription, reviewer=technician)
    with pytest.raises(services.NotPermitted):
        services.save_transcription(
            prescription=prescription,
            user=technician,
            expected_version=0,
            data=good_transcription(completed_elements=("prescriber_address",), completion_note="Called the clinic."),
        )


def test_an_invalid_field_shows_the_form_again(prescription, technician, technician_client):
    technician_client.post(url(prescription, "pharmacy-claim"))
    response = technician_client.post(
        url(prescription, "pharmacy-transcribe"), {**form_data(good_transcription(), 0), "quantity": "thirty"}
    )
    assert response.status_code == 400 and "Enter a whole number" in response.content.decode()
    assert not TranscriptionChange.objects.exists()


# --- Step 2 -----------------------------------------------------------------------------------


def test_pharmacist_verifies_and_the_gate_gets_what_is_authorised(
    claimed, pharmacist, pharmacist_client, django_capture_on_commit_callbacks
):
    page = pharmacist_client.get(url(claimed, "pharmacy-review")).content.decode()
    assert "Every rule passed." in page and "Verify prescription" in page
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = pharmacist_client.post(
            url(claimed, "pharmacy-verify"),
            {"version": 1, "note": "Looks right."},
            REMOTE_ADDR="192.0.2.10",
            HTTP_USER_AGENT="ReviewDesk/2",
        )
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:pharmacy-queue")
    claimed.refresh_from_db()
    assert claimed.status == S.VERIFIED
    assert (claimed.quantity, claimed.refills_authorized) == (30, 0)
    written = timezone.localdate() - datetime.timedelta(days=2)
    assert claimed.expires_on == written + datetime.timedelta(days=365)  # RULES.md 2.2 default for NY
    decision = ReviewDecision.objects.get()
    evaluation = ComplianceEvaluation.objects.filter(subject=f"prescription:{claimed.pk}").latest("created_at")
    assert decision.evaluation == evaluation and decision.evaluation_fingerprint == evaluation.fingerprint
    assert evaluation.actor == pharmacist and evaluation.passed
    assert (decision.outcome, decision.decided_by, decision.ip_address, decision.user_agent) == (
        "verified",
        pharmacist,
        "192.0.2.10",
        "ReviewDesk/2",
    )
    assert decision.event.to_status == S.VERIFIED and f"#{evaluation.pk}" in decision.event.reason
    assert decision.transcription_snapshot["quantity"] == 30
    assert ReviewClaim.objects.get(reviewer=pharmacist).release_reason == ReviewClaim.Release.DECIDED
    [message] = mail.outbox
    assert "verified" in message.body and "pay for the medicine" in message.body
    assert "What to do next: sign in and check out" in message.body


def test_verify_is_refused_while_a_block_stands(prescription, technician, pharmacist, pharmacist_client):
    transcribe(prescription, technician, good_transcription(prescriber_npi="1234567890"))  # bad check digit
    pharmacist_client.post(url(prescription, "pharmacy-claim"))
    page = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    assert "BLOCK" in page and "rx.npi" in page and "Verify prescription" not in page
    response = pharmacist_client.post(url(prescription, "pharmacy-verify"), {"version": 1})
    assert response.status_code == 409 and "blocking finding" in response.content.decode()
    prescription.refresh_from_db()
    assert prescription.status == S.IN_REVIEW and not ReviewDecision.objects.exists()
    refused = ComplianceEvaluation.objects.filter(subject=f"prescription:{prescription.pk}", actor=pharmacist).get()
    assert not refused.passed  # the refused evaluation stays on record


def test_every_warning_needs_an_override_reason(prescription, technician, pharmacist, pharmacist_client):
    # 25 capsules for 25 days (one a day) breaks a 10-capsule blister: WARN
    transcribe(prescription, technician, good_transcription(quantity=25, days_supply=25))
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    page = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    assert "WARN" in page and "ipledge.blister-pack" in page and 'name="override__ipledge.blister-pack"' in page
    response = pharmacist_client.post(url(prescription, "pharmacy-verify"), {"version": 1})
    assert response.status_code == 409 and "ipledge.blister-pack" in response.content.decode()
    response = pharmacist_client.post(
        url(prescription, "pharmacy-verify"), {"version": 1, "override__ipledge.blister-pack": "   "}
    )
    assert response.status_code == 409
    prescription.refresh_from_db()
    assert prescription.status == S.IN_REVIEW
    response = pharmacist_client.post(
        url(prescription, "pharmacy-verify"),
        {"version": 1, "override__ipledge.blister-pack": "Prescriber confirmed 25; we split a blister card."},
    )
    assert response.status_code == 302
    decision = ReviewDecision.objects.get()
    [override] = decision.warning_overrides
    assert override["rule_id"] == "ipledge.blister-pack" and override["override_reason"].startswith("Prescriber")


def test_the_rules_run_again_at_the_moment_of_verifying(claimed, pharmacist):
    """The stored findings passed, but the pharmacy's iPLEDGE activation has
    lapsed since: the fresh evaluation blocks."""
    assert Transcription.objects.get(prescription=claimed).latest_evaluation.passed
    ProgrammeCertification.objects.filter(programme="ipledge").update(
        reactivation_due=timezone.localdate() - datetime.timedelta(days=1)
    )
    with pytest.raises(services.VerificationRefused) as refused:
        services.verify_prescription(
            prescription=claimed, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        )
    assert any(f.rule_id.startswith("ipledge.pharmacy") for f in refused.value.blocks)
    assert ComplianceEvaluation.objects.filter(pk=refused.value.evaluation.pk).exists()
    claimed.refresh_from_db()
    assert claimed.status == S.IN_REVIEW


def test_a_different_strength_from_the_product_blocks(prescription, technician, pharmacist):
    transcribe(prescription, technician, good_transcription(strength="40 mg"))
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    with pytest.raises(services.VerificationRefused) as refused:
        services.verify_prescription(
            prescription=prescription, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        )
    assert [f.rule_id for f in refused.value.blocks] == ["product.strength"]
    # ... and the stored evaluation, the inspector's evidence, says so too.
    assert [f.rule_id for f in refused.value.evaluation.blocks] == ["product.strength"]


def test_a_brand_name_needs_the_pharmacists_confirmation(prescription, technician, pharmacist):
    transcribe(prescription, technician, good_transcription(drug_name="Absorica"))
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    with pytest.raises(services.VerificationRefused):
        services.verify_prescription(
            prescription=prescription, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        )
    services.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=1,
        warning_overrides={"product.drug": "Absorica is isotretinoin."},
    )


def test_verify_refuses_a_transcription_changed_since_the_page_was_shown(claimed, pharmacist):
    with pytest.raises(services.StaleForm):
        services.verify_prescription(
            prescription=claimed, pharmacist=pharmacist, expected_version=0, warning_overrides={}
        )


def test_the_transcriber_does_not_verify_unless_the_setting_allows(prescription, pharmacist, settings):
    transcribe(prescription, pharmacist, release=False)
    with pytest.raises(services.NotPermitted):
        services.verify_prescription(
            prescription=prescription, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        )
    settings.REVIEW_SAME_PERSON_MAY_TRANSCRIBE_AND_VERIFY = True
    services.verify_prescription(
        prescription=prescription, pharmacist=pharmacist, expected_version=1, warning_overrides={}
    )
    prescription.refresh_from_db()
    assert prescription.status == S.VERIFIED


def test_the_view_answers_403_to_the_transcriber(prescription, pharmacist, pharmacist_client):
    transcribe(prescription, pharmacist, release=False)
    page = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    assert "another pharmacist must verify it" in page
    assert pharmacist_client.post(url(prescription, "pharmacy-verify"), {"version": 1}).status_code == 403


def test_reject_with_a_coded_reason_and_a_message(
    claimed, pharmacist, pharmacist_client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = pharmacist_client.post(
            url(claimed, "pharmacy-reject"),
            {
                "reason_code": "prescriber_unverified",
                "message_to_customer": "We could not reach your prescriber.",
                "note": "Clinic number out of service.",
            },
        )
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == S.REJECTED and claimed.message_to_customer == "We could not reach your prescriber."
    decision = ReviewDecision.objects.get()
    assert (decision.outcome, decision.reason_code, decision.note) == (
        "rejected",
        "prescriber_unverified",
        "Clinic number out of service.",
    )
    assert decision.evaluation is not None  # the findings the pharmacist had in front of them
    [message] = mail.outbox
    assert "cannot dispense" in message.body and "reason" in message.body
    assert "What to do next: if your prescriber gives you a new or corrected prescription, upload it" in message.body
    assert "could not reach" not in message.body  # the reason itself stays behind the login


def test_reject_needs_a_reason_and_other_needs_a_note(claimed, pharmacist, pharmacist_client):
    assert pharmacist_client.post(url(claimed, "pharmacy-reject"), {"message_to_customer": "No."}).status_code == 400
    with pytest.raises(services.ReviewError):
        services.reject_prescription(
            prescription=claimed, pharmacist=pharmacist, reason_code="other", message_to_customer="No."
        )
    with pytest.raises(services.ReviewError):
        services.reject_prescription(
            prescription=claimed, pharmacist=pharmacist, reason_code="not_valid", message_to_customer="  "
        )
    claimed.refresh_from_db()
    assert claimed.status == S.IN_REVIEW


def test_ask_for_more_information_then_the_customer_answers(
    claimed, alice, pharmacist, pharmacist_client, django_capture_on_commit_callbacks
):
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = pharmacist_client.post(
            url(claimed, "pharmacy-request-information"), {"question": "Please upload page 2 with the signature."}
        )
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == S.INFO_REQUESTED
    assert ReviewDecision.objects.get().outcome == "info_requested"
    [message] = mail.outbox
    assert "question" in message.body and "answer it" in message.body
    assert "What to do next: open the prescription" in message.body and "page 2" not in message.body
    from prescriptions.services import answer_information_request

    answer_information_request(prescription=claimed, customer=alice, answer="Uploaded.", files=[])
    claimed.refresh_from_db()
    assert claimed.status == S.SUBMITTED  # back in the queue


def test_an_unanswered_question_can_be_rejected(claimed, pharmacist, second_pharmacist):
    services.request_information(prescription=claimed, pharmacist=pharmacist, question="Page 2?")
    services.claim_for_review(prescription=claimed, reviewer=second_pharmacist)
    services.reject_prescription(
        prescription=claimed,
        pharmacist=second_pharmacist,
        reason_code="no_answer",
        message_to_customer="We did not hear back; please upload a new prescription.",
    )
    claimed.refresh_from_db()
    assert claimed.status == S.REJECTED


def test_every_decision_leaves_an_event_and_a_decision_row(alice, technician, pharmacist):
    outcomes = []
    for decide in (
        lambda p: services.verify_prescription(
            prescription=p, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        ),
        lambda p: services.reject_prescription(
            prescription=p, pharmacist=pharmacist, reason_code="not_valid", message_to_customer="Not valid."
        ),
        lambda p: services.request_information(prescription=p, pharmacist=pharmacist, question="Which dose?"),
    ):
        prescription = submit(alice)
        transcribe(prescription, technician)
        services.claim_for_review(prescription=prescription, reviewer=pharmacist)
        events = PrescriptionEvent.objects.count()
        decision = decide(prescription)
        assert PrescriptionEvent.objects.count() == events + 1
        assert decision.event == PrescriptionEvent.objects.latest("id")
        outcomes.append(decision.outcome)
    assert outcomes == ["verified", "rejected", "info_requested"]
    assert ReviewDecision.objects.count() == 3


def test_the_transcription_is_frozen_once_decided(claimed, pharmacist, technician):
    services.verify_prescription(prescription=claimed, pharmacist=pharmacist, expected_version=1, warning_overrides={})
    with pytest.raises(services.ReviewError):
        services.save_transcription(
            prescription=claimed, user=technician, data=good_transcription(quantity=90), expected_version=1
        )


def test_a_second_reviewer_cannot_verify_through_a_stale_page(claimed, pharmacist, second_pharmacist):
    client = staff_client(second_pharmacist)
    response = client.post(url(claimed, "pharmacy-verify"), {"version": 1}, follow=True)
    assert "Priya Raman is working on this prescription" in response.content.decode()
    claimed.refresh_from_db()
    assert claimed.status == S.IN_REVIEW
