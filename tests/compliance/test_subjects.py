"""The one grammar for what an evaluation is about (compliance.subjects)."""

from __future__ import annotations

import pytest

from compliance import subjects
from compliance.core import Stage
from compliance.models import ComplianceEvaluation
from compliance.selectors import evaluations_about_prescription
from compliance.services import evaluate_and_record

from .builders import isotretinoin_dispense


def test_each_stage_spells_its_subject_with_the_prescription_first():
    assert str(subjects.for_prescription(42)) == "prescription:42"
    assert str(subjects.for_basket_line(prescription_id=42, order_number="100023", basket_line_id=7)) == (
        "prescription:42:order:100023:basket-line:7"
    )
    assert str(subjects.for_order_line(prescription_id=42, order_number=100023, line_id=9)) == (
        "prescription:42:order:100023:line:9"
    )


@pytest.mark.parametrize(
    "subject",
    [
        subjects.for_prescription(1),
        subjects.for_basket_line(prescription_id=5, order_number="A-100_2", basket_line_id=12),
        subjects.for_order_line(prescription_id=123456789, order_number="100023", line_id=3),
    ],
)
def test_a_spelling_parses_back_to_its_subject(subject):
    assert subjects.parse(str(subject)) == subject


@pytest.mark.parametrize(
    "text",
    [
        "",
        "prescription",
        "prescription:",
        "prescription:0",
        "prescription:-1",
        "prescription:01",
        "prescription: 42",
        "prescription:42:",
        "prescription:42:order:100023",
        "prescription:42:order:100023:line:",
        "prescription:42:order:100023:shelf:3",
        "prescription:42:order:10:0:line:3",
        "order:100023:line:3",
        "order:100023:line:3:dispense",
        "Prescription:42",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(ValueError):
        subjects.parse(text)


@pytest.mark.parametrize(
    "build",
    [
        lambda: subjects.for_prescription(0),
        lambda: subjects.for_prescription(True),
        lambda: subjects.for_prescription("42"),
        lambda: subjects.for_order_line(prescription_id=1, order_number="100:023", line_id=3),
        lambda: subjects.for_order_line(prescription_id=1, order_number="", line_id=3),
        lambda: subjects.for_basket_line(prescription_id=1, order_number="1", basket_line_id=0),
        lambda: subjects.Subject(1, "100023", None, 3),
        lambda: subjects.Subject(1, "100023", "shelf", 3),
        lambda: subjects.for_order_line(prescription_id=10**18, order_number="9" * 64, line_id=10**18),  # > 120
    ],
)
def test_a_subject_that_cannot_be_spelt_is_refused(build):
    with pytest.raises(ValueError):
        build()


def test_the_old_checkout_and_dispense_spellings_still_read():
    assert subjects.parse_legacy("order:100023:line:7") == subjects.LegacyOrderLine("100023", subjects.BASKET_LINE, 7)
    assert subjects.parse_legacy("order:100023:line:9:dispense") == subjects.LegacyOrderLine(
        "100023", subjects.ORDER_LINE, 9
    )
    assert subjects.parse_legacy("prescription:42") is None
    assert subjects.parse_legacy("order:100023") is None


@pytest.mark.django_db
def test_every_evaluation_about_a_prescription_is_found_by_it_whatever_the_stage():
    review = evaluate_and_record(facts=isotretinoin_dispense(stage=Stage.VERIFY), subject=subjects.for_prescription(5))
    checkout = evaluate_and_record(
        facts=isotretinoin_dispense(stage=Stage.CHECKOUT),
        subject=subjects.for_basket_line(prescription_id=5, order_number="100023", basket_line_id=7),
    )
    dispense = evaluate_and_record(
        facts=isotretinoin_dispense(),
        subject=subjects.for_order_line(prescription_id=5, order_number="100023", line_id=9),
    )
    other = evaluate_and_record(facts=isotretinoin_dispense(), subject="prescription:6")
    assert [row.prescription_id for row in (review, checkout, dispense, other)] == [5, 5, 5, 6]
    assert list(evaluations_about_prescription(5)) == [dispense, checkout, review]
    assert list(ComplianceEvaluation.objects.filter(subjects.about_prescription(6))) == [other]
