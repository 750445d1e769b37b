"""prescriptions.facts: the one mapping from the pharmacy's records to the
rules' facts, the same at every stage but for its parameters."""

from __future__ import annotations

import datetime
import pathlib
import re

import pytest
from django.utils import timezone

from compliance.core import Stage, evaluate
from prescriptions.dispensing.services import AuthorisationInput
from prescriptions.facts import LOOK_UP, facts_for_prescription, holder_date_of_birth
from prescriptions.models import Patient
from tests.factories import product
from tests.factories.prescriptions import good_transcription, transcribe

from .conftest import PATIENT, submit

pytestmark = pytest.mark.django_db

ROOT = pathlib.Path(__file__).resolve().parents[2]


def _child_of(account) -> Patient:
    return Patient.objects.create(
        account=account,
        relationship=Patient.Relationship.CHILD,
        first_name="Mia",
        last_name="Moreno",
        date_of_birth=datetime.date(2011, 2, 3),
        address_line1="22 Jay Street",
        city="Brooklyn",
        state="NY",
        postcode="11201",
    )


def _transcribed(customer, technician, *, patient=None, **transcription):
    prescription = submit(customer, patient=patient)
    transcribe(prescription, technician, good_transcription(**transcription))
    prescription.refresh_from_db()
    return prescription


def test_the_holders_date_of_birth_is_their_own_patient_record(alice, django_user_model):
    submit(alice)  # Alice's own patient record
    assert holder_date_of_birth(alice.pk) == PATIENT.date_of_birth
    stranger = django_user_model.objects.create_user(username="s@example.com", email="s@example.com", password="x")
    assert holder_date_of_birth(stranger.pk) is None
    assert holder_date_of_birth(None) is None


def test_a_childs_prescription_is_checked_against_the_parent_as_account_holder(alice, technician):
    submit(alice)  # Alice's own record first, then one for her child
    prescription = _transcribed(alice, technician, patient=_child_of(alice))
    facts = facts_for_prescription(stage=Stage.VERIFY, prescription=prescription, moment=timezone.now())
    assert facts.patient.date_of_birth == datetime.date(2011, 2, 3)
    assert facts.account_holder.date_of_birth == PATIENT.date_of_birth  # the parent's, at every stage


def test_the_stages_differ_only_by_their_parameters(alice, technician):
    prescription = _transcribed(alice, technician, rma_number="RMA-1", do_not_dispense_after=None)
    now = timezone.now()
    verify = facts_for_prescription(stage=Stage.VERIFY, prescription=prescription, moment=now)
    checkout = facts_for_prescription(
        stage=Stage.CHECKOUT,
        prescription=prescription,
        moment=now,
        product=product("RX-ISO-20"),
        ship_to_state="NY",
        account_holder_dob=None,
    )
    entered = AuthorisationInput(number=" RMA-2 ", do_not_dispense_after=timezone.localdate(), quantity=None)
    dispense = facts_for_prescription(
        stage=Stage.DISPENSE,
        prescription=prescription,
        moment=now,
        ship_to_state="NY",
        authorisation=entered,
        medication_guide_recorded=True,
    )
    assert verify.ship_to_state is None and checkout.ship_to_state == dispense.ship_to_state == "NY"
    assert (
        verify.account_holder.date_of_birth == PATIENT.date_of_birth and checkout.account_holder.date_of_birth is None
    )
    assert verify.prescription == checkout.prescription == dispense.prescription
    assert verify.drug == checkout.drug == dispense.drug
    assert verify.authorisation.number == checkout.authorisation.number == "RMA-1"
    # At dispense the RMA the pharmacist read replaces the transcribed one; blanks come from the transcription.
    assert dispense.authorisation.number == "RMA-2"
    assert dispense.authorisation.quantity == 30 and dispense.authorisation.risk_category == "cannot"
    assert dispense.medication_guide_recorded and not checkout.medication_guide_recorded
    assert not verify.prescription_verified  # still being reviewed
    assert LOOK_UP is not None


def test_the_moment_must_be_aware(alice, technician):
    prescription = _transcribed(alice, technician)
    with pytest.raises(ValueError):
        facts_for_prescription(stage=Stage.VERIFY, prescription=prescription, moment=datetime.datetime(2026, 3, 5))  # noqa: DTZ001  (naive on purpose)


def test_no_other_module_builds_facts_from_the_models():
    """The review, the gate and dispensing call prescriptions.facts; nobody else
    assembles the core's facts from the models."""
    builds = re.compile(
        r"(?<![\w.])(Facts|build_facts|AccountHolder|PrescriptionFacts|Authorisation|Drug|Prescriber)\("
    )
    offenders = [
        f"{path.relative_to(ROOT)}: {found.group(0)}"
        for package in ("shop", "prescriptions")
        for path in (ROOT / package).rglob("*.py")
        if path != ROOT / "prescriptions" / "facts.py" and "migrations" not in path.parts
        for found in builds.finditer(path.read_text())
    ]
    assert offenders == []


# ------------------------------------- 21 CFR 1306.12(b): same-day Schedule II


def _schedule_ii_product():
    from tests.factories import RxProductFactory

    made = RxProductFactory(
        drug={
            "requires_prescription": True,
            "active_ingredient": "Oxycodone hydrochloride",
            "strength": "5 mg",
            "dosage_form": "Tablet",
            "pack_size": 60,
        }
    )
    return made


def _as_schedule_ii(made):
    # Submitted as an ordinary Rx product, then recorded as Schedule II: the
    # storefront does not sell C-II online, the facts must still be right.
    made.attr.dea_schedule = 2
    made.attr.save()


def test_same_day_schedule_ii_prescriptions_of_the_patient_are_in_the_facts(alice, technician):
    oxycodone = _schedule_ii_product()
    written = timezone.localdate() - datetime.timedelta(days=2)
    c2 = dict(
        drug_name="Oxycodone hydrochloride",
        strength="5 mg",
        dosage_form="tablet",
        quantity=60,
        days_supply=30,
        directions="Take 1 tablet by mouth twice daily",
        date_written=written,
        risk_category="",
    )
    first = submit(alice, oxycodone)
    transcribe(first, technician, good_transcription(**c2))
    second = submit(alice, oxycodone)
    transcribe(
        second,
        technician,
        good_transcription(
            **{**c2, "days_supply": 61, "quantity": 122, "earliest_fill_date": written + datetime.timedelta(days=30)}
        ),
    )
    other_day = submit(alice, oxycodone)
    transcribe(
        other_day, technician, good_transcription(**{**c2, "date_written": written - datetime.timedelta(days=1)})
    )
    other_prescriber = submit(alice, oxycodone)
    transcribe(other_prescriber, technician, good_transcription(**{**c2, "prescriber_npi": "1245319599"}))
    not_c2 = submit(alice)
    transcribe(not_c2, technician, good_transcription(date_written=written))
    _as_schedule_ii(oxycodone)

    facts = facts_for_prescription(stage=Stage.VERIFY, prescription=first, moment=timezone.now())
    (other,) = facts.prescription.same_day_schedule_ii
    assert other.reference == second.reference and other.days_supply == 61
    assert other.earliest_fill_date == written + datetime.timedelta(days=30) and other.date_written == written
    assert facts.prescription.earliest_fill_date is None
    # 30 + 61 days issued the same day: over the 90 days of 21 CFR 1306.12(b).
    assert "rx.schedule-ii-90-days" in {f.rule_id for f in evaluate(facts)}

    second_facts = facts_for_prescription(stage=Stage.VERIFY, prescription=second, moment=timezone.now())
    assert second_facts.prescription.earliest_fill_date == written + datetime.timedelta(days=30)
    assert [o.reference for o in second_facts.prescription.same_day_schedule_ii] == [first.reference]

    not_c2_facts = facts_for_prescription(stage=Stage.VERIFY, prescription=not_c2, moment=timezone.now())
    assert not_c2_facts.prescription.same_day_schedule_ii == ()


def test_a_rejected_same_day_schedule_ii_is_not_counted(alice, technician, pharmacist):
    from prescriptions.review import services as review

    oxycodone = _schedule_ii_product()
    written = timezone.localdate() - datetime.timedelta(days=2)
    c2 = dict(
        drug_name="Oxycodone hydrochloride",
        strength="5 mg",
        dosage_form="tablet",
        date_written=written,
        risk_category="",
    )
    first = submit(alice, oxycodone)
    transcribe(first, technician, good_transcription(**c2))
    duplicate = submit(alice, oxycodone)
    transcribe(duplicate, technician, good_transcription(**c2))
    review.claim_for_review(prescription=duplicate, reviewer=pharmacist)
    review.reject_prescription(
        prescription=duplicate,
        pharmacist=pharmacist,
        reason_code="not_valid",
        message_to_customer="We already have this prescription.",
    )
    _as_schedule_ii(oxycodone)
    facts = facts_for_prescription(stage=Stage.VERIFY, prescription=first, moment=timezone.now())
    assert facts.prescription.same_day_schedule_ii == ()


# --------------------------------- iPLEDGE 1.2: who obtained the RMA, and when


def test_the_rma_entered_at_dispense_is_obtained_by_the_dispensing_pharmacist(alice, technician, pharmacist):
    prescription = _transcribed(alice, technician, rma_number="RMA-1")
    now = timezone.now()
    entered = AuthorisationInput(
        number="RMA-2", do_not_dispense_after=timezone.localdate(), quantity=30, days_supply=30
    )
    dispense = facts_for_prescription(
        stage=Stage.DISPENSE,
        prescription=prescription,
        moment=now,
        ship_to_state="NY",
        authorisation=entered,
        authorisation_obtained_by=pharmacist,
        medication_guide_recorded=True,
    )
    assert dispense.authorisation.obtained_by == str(pharmacist.pk) and dispense.authorisation.obtained_at == now
    assert "ipledge.rma-obtained" not in {f.rule_id for f in evaluate(dispense)}
    # The RMA only transcribed at review records no one: at dispense it blocks.
    transcribed_only = facts_for_prescription(
        stage=Stage.DISPENSE, prescription=prescription, moment=now, ship_to_state="NY", medication_guide_recorded=True
    )
    assert transcribed_only.authorisation.obtained_by is None
    assert "ipledge.rma-obtained" in {f.rule_id for f in evaluate(transcribed_only) if f.severity == "block"}
