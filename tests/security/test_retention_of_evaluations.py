"""Every rule evaluation about a prescription (review, checkout, dispense, ship) is found by
that prescription (compliance.subjects): the retention purge removes them all with it,
and the inspector's history lists them all. Their facts hold the patient's name and
date of birth, so none may outlive the prescription."""

from __future__ import annotations

import datetime
import importlib
from collections import Counter

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.utils import timezone
from oscar.core.loading import get_model

from compliance import subjects
from compliance.models import ComplianceEvaluation
from prescriptions import retention
from prescriptions.dispensing import services as dispensing
from prescriptions.models import Prescription
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import services as review
from prescriptions.review.selectors import prescription_history
from tests.factories import add_to_basket, checkout_to_preview, place_order
from tests.factories.orders import ship
from tests.prescriptions.conftest import submit
from tests.review.conftest import good_transcription, transcribe

pytestmark = pytest.mark.django_db

BasketLine = get_model("basket", "Line")
Order = get_model("order", "Order")
User = get_user_model()

backfill = importlib.import_module("prescriptions.migrations.0004_evaluation_prescription_backfill").backfill


@pytest.fixture
def pharmacist(demo_shop):
    return User.objects.get(email="pharmacist@example.com")


@pytest.fixture
def technician(demo_shop):
    return User.objects.get(email="technician@example.com")


def years_later(years: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=365 * years + years // 4 + 1)


def verify(prescription, technician, pharmacist) -> None:
    transcribe(prescription, technician, good_transcription())
    prescription.refresh_from_db()
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides={f.rule_id: "Checked with the prescriber." for f in evaluation.warnings},
    )
    prescription.refresh_from_db()
    assert prescription.status == S.VERIFIED


@pytest.fixture
def dispensed(alice_client, alice, technician, pharmacist, localstripe):
    """Alice's isotretinoin: verified in the workspace (review evaluations), bought through
    the checkout gate (a checkout evaluation), dispensed after one blocked attempt (two
    dispense evaluations; no Dispense row points at the blocked one), then shipped in one parcel
    (a ship evaluation). Its one fill is then used: the prescription is closed. Returns the
    prescription, its basket line and order line."""
    add_to_basket(alice_client, "RX-ISO-20")
    basket_line = BasketLine.objects.get(basket__owner=alice, product__upc="RX-ISO-20")
    prescription = submit(alice, "RX-ISO-20", basket_line=basket_line)
    verify(prescription, technician, pharmacist)
    checkout_to_preview(alice_client, address={"state": "NY"})
    assert place_order(alice_client)["Location"] == "/checkout/thank-you/"
    order_line = Order.objects.get(user=alice).lines.get(product__upc="RX-ISO-20")
    rma = dispensing.AuthorisationInput(
        number="RMA-0042-7781",
        risk_category="cannot",
        quantity=30,
        days_supply=30,
        do_not_dispense_after=timezone.localdate() + datetime.timedelta(days=14),
    )
    for guide_included in (False, True):
        outcome = dispensing.dispense_order(
            order=order_line.order,
            pharmacist=pharmacist,
            authorisations={order_line.pk: rma},
            medication_guide_included=guide_included,
        )
        assert outcome.dispensed is guide_included
    ship(order_line.order, pharmacist)
    prescription.refresh_from_db()
    assert prescription.status == S.USED_UP
    return prescription, basket_line, order_line


def about(prescription):
    return ComplianceEvaluation.objects.filter(subjects.about_prescription(prescription.pk))


def test_each_stage_records_its_evaluation_about_the_prescription(dispensed):
    prescription, basket_line, order_line = dispensed
    rows = about(prescription)
    stages = Counter(rows.values_list("stage", flat=True))
    assert stages["checkout"] == 1 and stages["dispense"] == 2 and stages["ship"] == 1 and stages["verify"] >= 1
    assert len(stages) == 4
    number = order_line.order.number
    assert {row.subject for row in rows} == {
        str(subjects.for_prescription(prescription.pk)),
        str(
            subjects.for_basket_line(
                prescription_id=prescription.pk, order_number=number, basket_line_id=basket_line.pk
            )
        ),
        str(subjects.for_order_line(prescription_id=prescription.pk, order_number=number, line_id=order_line.pk)),
    }


def test_the_purge_removes_every_evaluation_about_the_prescription_whatever_the_stage(
    dispensed, bob, technician, pharmacist
):
    prescription, _basket_line, _order_line = dispensed
    doomed = set(about(prescription).values_list("pk", flat=True))
    bobs = submit(bob)
    verify(bobs, technician, pharmacist)  # open: never purged
    kept = set(about(bobs).values_list("pk", flat=True))
    assert kept

    report = retention.purge_past_retention(now=years_later(7), dry_run=False)

    assert report.prescriptions == [prescription.reference]
    assert not Prescription.objects.filter(pk=prescription.pk).exists()
    assert not ComplianceEvaluation.objects.filter(pk__in=doomed).exists()
    assert report.rows["compliance.ComplianceEvaluation"] == len(doomed)
    assert set(ComplianceEvaluation.objects.values_list("pk", flat=True)) == kept


def test_within_retention_every_evaluation_about_it_is_kept(dispensed):
    prescription, _basket_line, _order_line = dispensed
    before = set(about(prescription).values_list("pk", flat=True))

    report = retention.purge_past_retention(now=years_later(5), dry_run=False)

    assert report.prescriptions == []
    assert set(about(prescription).values_list("pk", flat=True)) == before
    assert set(ComplianceEvaluation.objects.filter(pk__in=before).values_list("stage", flat=True)) == {
        "verify",
        "checkout",
        "dispense",
        "ship",
    }


def test_the_inspectors_history_lists_the_checkout_dispense_and_ship_evaluations_too(dispensed):
    prescription, _basket_line, order_line = dispensed
    evaluations = [dict(entry.details) for entry in prescription_history(prescription) if entry.kind == "evaluation"]
    assert len(evaluations) == about(prescription).count()
    assert {details["Stage"] for details in evaluations} == {"verify", "checkout", "dispense", "ship"}
    assert str(
        subjects.for_order_line(
            prescription_id=prescription.pk, order_number=order_line.order.number, line_id=order_line.pk
        )
    ) in {details["Subject"] for details in evaluations}


# --- Rows written before the grammar: the back-fill (migration prescriptions 0003) ------------------


def legacy_row(subject: str, stage: str) -> ComplianceEvaluation:
    """An evaluation as the checkout and dispense wrote them before: no prescription column."""
    return ComplianceEvaluation.objects.create(
        stage=stage, subject=subject, moment=timezone.now(), facts={}, fingerprint="0" * 64, passed=True
    )


def test_the_backfill_finds_the_prescription_of_rows_spelt_the_old_way_and_the_purge_then_removes_them(dispensed):
    prescription, basket_line, order_line = dispensed
    number = order_line.order.number
    review_row = legacy_row(f"prescription:{prescription.pk}", "verify")
    checkout_row = legacy_row(f"order:{number}:line:{basket_line.pk}", "checkout")
    gone_basket_line = legacy_row(f"order:{number}:line:{basket_line.pk + 1000}", "checkout")  # line deleted since
    dispense_row = legacy_row(f"order:{number}:line:{order_line.pk}:dispense", "dispense")
    unknown_order = legacy_row(f"order:999999:line:{order_line.pk}:dispense", "dispense")
    stray = legacy_row("order:1-line:NY", "checkout")  # no grammar ever spelt this: left alone

    backfill(apps, None)

    found = dict(ComplianceEvaluation.objects.values_list("pk", "prescription_id"))
    for row in (review_row, checkout_row, gone_basket_line, dispense_row):
        assert found[row.pk] == prescription.pk, row.subject
    assert found[unknown_order.pk] is None and found[stray.pk] is None
    assert ComplianceEvaluation.objects.get(pk=checkout_row.pk).subject == f"order:{number}:line:{basket_line.pk}"

    retention.purge_past_retention(now=years_later(7), dry_run=False)
    remaining = set(ComplianceEvaluation.objects.values_list("pk", flat=True))
    assert remaining == {unknown_order.pk, stray.pk}
