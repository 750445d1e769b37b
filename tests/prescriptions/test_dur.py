"""Drug-utilisation review in the pharmacy: the patient's profile (versioned),
the patient's other prescriptions, a contraindication that only a pharmacist's
documented override lets through (and the inspector's history shows), and the
same screen at checkout and dispense (RULES.md 6.1)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from compliance.core import Severity, Stage, evaluate
from prescriptions import services
from prescriptions.clinical import clinical_facts, current_profile
from prescriptions.facts import facts_for_prescription
from prescriptions.models import PatientProfileVersion
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import selectors
from prescriptions.review import services as review
from tests.factories import (
    IsotretinoinProductFactory,
    PatientFactory,
    PharmacistFactory,
    PrescriptionFactory,
    RxProductFactory,
    TechnicianFactory,
    staff_client,
)
from tests.factories.compliance import ProgrammeCertificationFactory
from tests.factories.prescriptions import transcribe, transcription_for

pytestmark = pytest.mark.django_db

CONTRAINDICATION = "dur.interaction:6064+3640"


def isotretinoin():
    return IsotretinoinProductFactory(drug__ingredient_codes="6064")


def doxycycline():
    return RxProductFactory(drug__ingredient_codes="3640")


def dur(findings):
    return {f.rule_id: f for f in findings if f.rule_id.startswith("dur.")}


@pytest.fixture
def patient(customer):
    return PatientFactory(account=customer)


@pytest.fixture
def staff():
    return TechnicianFactory(), PharmacistFactory()


def isotretinoin_in_review(customer, patient, staff, **transcribed):
    """Uploaded, transcribed by the technician (``transcribed`` changes what it says), opened by the pharmacist."""
    technician, pharmacist = staff
    ProgrammeCertificationFactory(programme="ipledge")
    product = isotretinoin()
    prescription = PrescriptionFactory(customer=customer, patient=patient, product=product)
    transcribe(prescription, technician, transcription_for(product, **transcribed))
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)
    prescription.refresh_from_db()
    return prescription


@pytest.fixture
def on_doxycycline(customer, patient, staff):
    """The patient's doxycycline prescription at this pharmacy, verified."""
    technician, pharmacist = staff
    return PrescriptionFactory(
        verified=True,
        customer=customer,
        patient=patient,
        product=doxycycline(),
        technician=technician,
        pharmacist=PharmacistFactory(),
    )


# --- The profile -------------------------------------------------------------------------------


def test_each_change_of_the_profile_is_a_new_version_with_who_and_when(customer, patient, staff):
    first = services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    same = services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    second = services.record_patient_profile(
        patient=patient,
        actor=staff[1],
        allergy_answer="listed",
        allergies=[services.AllergyEntry(name="Tetracyclines", drug_class="tetracyclines", reaction="hives")],
        medicines=[services.MedicineEntry(name="Sertraline 50 mg", code="36437")],
    )
    assert same == first and (first.version, second.version) == (1, 2)
    assert second.changed_by == staff[1] and second.changed_at is not None
    assert current_profile(patient) == second
    assert PatientProfileVersion.objects.filter(patient=patient).count() == 2
    with pytest.raises(RuntimeError):  # append-only: a version is never changed
        first.save()


def test_no_known_allergies_is_an_answer_and_not_asked_is_not(customer, patient, on_doxycycline):
    drug = facts_for_prescription(stage=Stage.CHECKOUT, prescription=on_doxycycline, moment=timezone.now()).drug
    assert clinical_facts(on_doxycycline, drug.ingredients, now=timezone.now()).allergy_answer == "not-asked"
    services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    assert clinical_facts(on_doxycycline, drug.ingredients, now=timezone.now()).allergy_answer == "none-known"


@pytest.mark.parametrize(
    "answer, allergies",
    [("listed", []), ("none-known", [{"name": "Penicillin", "drug_class": "penicillins"}]), ("perhaps", [])],
)
def test_the_allergy_answer_must_agree_with_the_list(customer, patient, answer, allergies):
    with pytest.raises(services.PrescriptionError):
        services.record_patient_profile(patient=patient, actor=customer, allergy_answer=answer, allergies=allergies)


def test_another_customer_may_not_change_the_profile(patient, django_user_model):
    stranger = django_user_model.objects.create_user("stranger@example.com", "stranger@example.com", "x")
    with pytest.raises(services.PrescriptionError):
        services.record_patient_profile(patient=patient, actor=stranger, allergy_answer="none-known")


# --- Screening at review ----------------------------------------------------------------------


def test_doxycycline_at_this_pharmacy_makes_isotretinoin_a_contraindication(customer, patient, staff, on_doxycycline):
    prescription = isotretinoin_in_review(customer, patient, staff)
    finding = dur(prescription.transcription.latest_evaluation.findings)[CONTRAINDICATION]
    assert finding.severity is Severity.BLOCK
    assert f"prescription {on_doxycycline.reference}" in finding.pharmacist_message
    assert "intracranial" in finding.pharmacist_message and finding.source.startswith("ANSM")


def test_doxycycline_from_elsewhere_on_the_profile_counts_too(customer, patient, staff):
    services.record_patient_profile(
        patient=patient,
        actor=customer,
        allergy_answer="none-known",
        medicines=[{"name": "Doxycycline (dermatologist)", "code": "3640"}, {"name": "a water pill"}],
    )
    prescription = isotretinoin_in_review(customer, patient, staff)
    found = dur(prescription.transcription.latest_evaluation.findings)
    assert "from elsewhere" in found[CONTRAINDICATION].pharmacist_message
    assert "“a water pill”" in found["dur.profile:unmapped-medicine:1"].pharmacist_message


def test_another_patients_doxycycline_does_not_count(customer, patient, staff):
    PrescriptionFactory(
        verified=True, customer=customer, patient=PatientFactory(child=True, account=customer), product=doxycycline()
    )
    prescription = isotretinoin_in_review(customer, patient, staff)
    assert dur(prescription.transcription.latest_evaluation.findings) == {}


def test_an_allergy_to_the_class_blocks_doxycycline(customer, patient, staff):
    services.record_patient_profile(
        patient=patient,
        actor=customer,
        allergy_answer="listed",
        allergies=[{"name": "Tetracyclines", "drug_class": "tetracyclines", "reaction": "hives"}],
    )
    technician, pharmacist = staff
    product = doxycycline()
    prescription = PrescriptionFactory(customer=customer, patient=patient, product=product)
    transcribe(prescription, technician, transcription_for(product))
    prescription.refresh_from_db()
    finding = dur(prescription.transcription.latest_evaluation.findings)["dur.allergy:class:tetracyclines"]
    assert finding.severity is Severity.BLOCK


def test_the_pharmacist_cannot_verify_a_contraindication_without_a_documented_reason(
    customer, patient, staff, on_doxycycline
):
    _technician, pharmacist = staff
    prescription = isotretinoin_in_review(customer, patient, staff)
    version = prescription.transcription.version
    with pytest.raises(review.VerificationRefused) as refused:
        review.verify_prescription(
            prescription=prescription, pharmacist=pharmacist, expected_version=version, warning_overrides={}
        )
    assert CONTRAINDICATION in str(refused.value)
    with pytest.raises(review.VerificationRefused):
        review.verify_prescription(
            prescription=prescription,
            pharmacist=pharmacist,
            expected_version=version,
            warning_overrides={CONTRAINDICATION: "   "},
        )
    prescription.refresh_from_db()
    assert prescription.status == S.IN_REVIEW

    decision = review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=version,
        warning_overrides={CONTRAINDICATION: "Prescriber stopped doxycycline on 1 Dec; patient confirmed by phone."},
    )
    prescription.refresh_from_db()
    assert prescription.status == S.VERIFIED
    (override,) = [o for o in decision.warning_overrides if o["rule_id"] == CONTRAINDICATION]
    assert override["severity"] == "block" and override["override_reason"].startswith("Prescriber stopped")
    assert decision.decided_by == pharmacist and decision.evaluation_fingerprint == decision.evaluation.fingerprint

    history = selectors.prescription_history(prescription)
    (entry,) = [e for e in history if e.kind == "decision"]
    details = dict(entry.details)
    assert details[f"Override BLOCK {CONTRAINDICATION}"].startswith("Prescriber stopped")
    assert decision.evaluation_fingerprint in details["Evaluation"]
    assert entry.actor == decision.decided_by_name


def test_a_block_that_is_not_drug_utilisation_still_cannot_be_overridden(customer, patient, staff, on_doxycycline):
    """iPLEDGE allows no refills: that BLOCK stands whatever reasons are given."""
    _technician, pharmacist = staff
    prescription = isotretinoin_in_review(customer, patient, staff, refills=1)
    evaluation = prescription.transcription.latest_evaluation
    reasons = {f.rule_id: "Checked with the prescriber." for f in evaluation.findings}
    assert "ipledge.no-refills" in reasons and CONTRAINDICATION in reasons
    with pytest.raises(review.VerificationRefused) as refused:
        review.verify_prescription(
            prescription=prescription,
            pharmacist=pharmacist,
            expected_version=prescription.transcription.version,
            warning_overrides=reasons,
        )
    assert [f.rule_id for f in refused.value.blocks] == ["ipledge.no-refills"]


def test_after_the_override_checkout_and_dispense_see_it_as_a_warning(customer, patient, staff, on_doxycycline):
    _technician, pharmacist = staff
    prescription = isotretinoin_in_review(customer, patient, staff)
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides={CONTRAINDICATION: "Doxycycline stopped; checked with the prescriber."},
    )
    prescription.refresh_from_db()
    for stage in (Stage.CHECKOUT, Stage.DISPENSE):
        facts = facts_for_prescription(stage=stage, prescription=prescription, moment=timezone.now())
        assert CONTRAINDICATION in facts.clinical.overridden
        assert dur(evaluate(facts))[CONTRAINDICATION].severity is Severity.WARN


def test_a_new_contraindication_after_verification_blocks_checkout(customer, patient, staff):
    """Verified with nothing to screen; then the patient's profile gains doxycycline."""
    _technician, pharmacist = staff
    prescription = isotretinoin_in_review(customer, patient, staff)
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides={},
    )
    services.record_patient_profile(
        patient=patient,
        actor=customer,
        allergy_answer="none-known",
        medicines=[{"name": "Doxycycline", "code": "3640"}],
    )
    prescription.refresh_from_db()
    facts = facts_for_prescription(stage=Stage.CHECKOUT, prescription=prescription, moment=timezone.now())
    assert dur(evaluate(facts))[CONTRAINDICATION].severity is Severity.BLOCK


# --- The review screen -------------------------------------------------------------------------


def test_the_review_screen_shows_the_finding_the_profile_and_asks_for_the_override(
    customer, patient, staff, on_doxycycline
):
    _technician, pharmacist = staff
    services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    prescription = isotretinoin_in_review(customer, patient, staff)
    page = (
        staff_client(pharmacist)
        .get(reverse("dashboard:pharmacy-review", kwargs={"public_id": prescription.public_id}))
        .content.decode()
    )
    assert "Drug-utilisation review" in page
    assert "No known allergies (asked)" in page
    assert CONTRAINDICATION in page and "Contraindicated" in page
    assert "demonstration data" in page and "DUR_INTERACTION_SOURCE" in page
    assert f'name="override__{CONTRAINDICATION}"' in page
    assert "Every rule passed." not in page


# --- Filling in the profile ------------------------------------------------------------------


def test_the_customer_fills_in_the_health_information_from_the_account(client, customer, patient):
    client.force_login(customer)
    url = reverse("prescriptions:health-profile", kwargs={"public_id": patient.public_id})
    page = client.get(url).content.decode()
    assert "Does the patient have any allergies" in page and 'value="tetracyclines"' in page
    response = client.post(
        url,
        {
            "allergy_answer": "listed",
            "allergy_1_class": "tetracyclines",
            "allergy_1_reaction": "hives",
            "conditions": ["kidney-disease"],
            "medicine_1_code": "36437",
            "medicine_2_name": "Water pill, 20 mg",
        },
    )
    assert response.status_code == 302
    profile = current_profile(patient)
    assert (profile.version, profile.changed_by, profile.allergy_answer) == (1, customer, "listed")
    assert profile.allergies == [
        {"name": "tetracyclines", "code": "", "drug_class": "tetracyclines", "reaction": "hives", "intolerance": False}
    ]
    assert profile.conditions == ["kidney-disease"]
    assert profile.medicines == [{"name": "sertraline", "code": "36437"}, {"name": "Water pill, 20 mg", "code": ""}]
    assert "Water pill" in client.get(reverse("prescriptions:health")).content.decode()


def test_listing_no_allergy_after_answering_yes_is_refused_with_a_message(client, customer, patient):
    client.force_login(customer)
    url = reverse("prescriptions:health-profile", kwargs={"public_id": patient.public_id})
    response = client.post(url, {"allergy_answer": "listed"})
    assert response.status_code == 400 and "List the allergies" in response.content.decode()
    assert current_profile(patient) is None


def test_a_customer_cannot_open_another_accounts_patient(client, patient, django_user_model):
    client.force_login(django_user_model.objects.create_user("eve@example.com", "eve@example.com", "x"))
    url = reverse("prescriptions:health-profile", kwargs={"public_id": patient.public_id})
    assert client.get(url).status_code == 404


def test_the_prescription_page_asks_for_the_health_information_until_it_is_given(client, customer, patient):
    prescription = PrescriptionFactory(customer=customer, patient=patient, product=isotretinoin())
    client.force_login(customer)
    url = reverse("prescriptions:detail", kwargs={"public_id": prescription.public_id})
    assert "Tell us about them now" in client.get(url).content.decode()
    services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    assert "Tell us about them now" not in client.get(url).content.decode()


def test_the_pharmacist_maps_a_typed_medicine_and_the_screen_then_finds_it(customer, patient, staff):
    services.record_patient_profile(
        patient=patient, actor=customer, allergy_answer="none-known", medicines=[{"name": "Doryx 100"}]
    )
    prescription = isotretinoin_in_review(customer, patient, staff)
    assert "dur.profile:unmapped-medicine:1" in dur(prescription.transcription.latest_evaluation.findings)
    _technician, pharmacist = staff
    response = staff_client(pharmacist).post(
        reverse("dashboard:pharmacy-profile", kwargs={"public_id": prescription.public_id}),
        {
            "allergy_answer": "none-known",
            "medicine_1_name": "Doryx 100",
            "medicine_1_code": "3640",
            "note": "Doryx is doxycycline",
        },
    )
    assert response.status_code == 302
    profile = current_profile(patient)
    assert (profile.version, profile.changed_by, profile.note) == (2, pharmacist, "Doryx is doxycycline")
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    found = dur(evaluation.findings)
    assert CONTRAINDICATION in found and "dur.profile:unmapped-medicine:1" not in found


def test_an_override_on_the_other_prescription_covers_the_same_pair_seen_from_this_side(customer, patient, staff):
    """Isotretinoin verified first; doxycycline then verified with a documented override of the
    pair: isotretinoin's checkout sees that override (a WARN), not a new block."""
    technician, pharmacist = staff
    first = isotretinoin_in_review(customer, patient, staff)
    review.verify_prescription(
        prescription=first, pharmacist=pharmacist, expected_version=first.transcription.version, warning_overrides={}
    )
    product = doxycycline()
    second = PrescriptionFactory(customer=customer, patient=patient, product=product)
    transcribe(second, technician, transcription_for(product))
    review.claim_for_review(prescription=second, reviewer=pharmacist)
    second.refresh_from_db()
    first.refresh_from_db()
    before = facts_for_prescription(stage=Stage.CHECKOUT, prescription=first, moment=timezone.now())
    assert CONTRAINDICATION not in dur(evaluate(before))  # doxycycline is not verified yet
    review.verify_prescription(
        prescription=second,
        pharmacist=pharmacist,
        expected_version=second.transcription.version,
        warning_overrides={"dur.interaction:3640+6064": "Dermatologist stops isotretinoin for the antibiotic course."},
    )
    after = facts_for_prescription(stage=Stage.CHECKOUT, prescription=first, moment=timezone.now())
    assert after.clinical.overridden == {CONTRAINDICATION}
    finding = dur(evaluate(after))[CONTRAINDICATION]
    assert finding.severity is Severity.WARN and "overrode this at verification" in finding.pharmacist_message
    # Without that override the same facts block.
    unexcused = dataclasses.replace(after, clinical=dataclasses.replace(after.clinical, overridden=frozenset()))
    assert dur(evaluate(unexcused))[CONTRAINDICATION].severity is Severity.BLOCK


# --- Privacy and retention ---------------------------------------------------------------------


def test_the_customers_data_export_holds_every_version_of_the_health_information(customer, patient):
    from prescriptions.privacy import export_customer_data

    services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    services.record_patient_profile(
        patient=patient,
        actor=customer,
        allergy_answer="none-known",
        medicines=[{"name": "Sertraline", "code": "36437"}],
    )
    (exported,) = export_customer_data(customer=customer)["patients"]
    assert [v["version"] for v in exported["health_information"]] == [1, 2]
    assert exported["health_information"][1]["medicines_from_elsewhere"] == [{"name": "Sertraline", "code": "36437"}]


def test_the_purge_of_a_closed_accounts_patient_takes_the_health_information_with_it(customer, patient):
    from prescriptions import retention

    services.record_patient_profile(patient=patient, actor=customer, allergy_answer="none-known")
    old = PrescriptionFactory(expired=True, customer=customer, patient=patient, product=isotretinoin())
    customer.is_active = False
    customer.save(update_fields=["is_active"])
    report = retention.purge_past_retention(now=timezone.now() + datetime.timedelta(days=7 * 366), dry_run=False)
    assert report.prescriptions == [old.reference]
    assert report.patients == 1 and report.rows["prescriptions.PatientProfileVersion"] == 1
    assert not PatientProfileVersion.objects.filter(patient_id=patient.pk).exists()
