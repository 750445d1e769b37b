"""The customer sees, for each prescription, every question the pharmacist asked and what
they answered, with the dates (issue 20.4)."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.utils import timezone

from prescriptions import selectors, services
from prescriptions.models import PrescriptionStatus as S

from .conftest import submit
from .test_customer_pages import ask

pytestmark = pytest.mark.django_db

MONDAY_9AM = datetime.datetime(2026, 11, 30, 14, 0, tzinfo=datetime.UTC)  # 9:00 in New York


def answer(prescription, customer, text):
    services.answer_information_request(prescription=prescription, customer=customer, answer=text, files=[])


def section(html: str) -> str:
    start = html.index("The pharmacist's questions and your answers")
    return html[start : html.index("</section>", start)]


def test_each_question_and_answer_is_shown_with_its_dates(alice_client, alice, pharmacist):
    with time_machine.travel(MONDAY_9AM, tick=False):
        prescription = submit(alice)
        ask(prescription, pharmacist, question="Is the patient pregnant or planning to be?")
    with time_machine.travel(MONDAY_9AM + datetime.timedelta(hours=2), tick=False):
        answer(prescription, alice, "No, and I have two forms of contraception.")
    with time_machine.travel(MONDAY_9AM + datetime.timedelta(days=1), tick=False):
        services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
        services.transition_prescription(
            prescription=prescription,
            to_status=S.INFO_REQUESTED,
            actor=pharmacist,
            message_to_customer="Which pharmacy filled your last prescription?",
        )
    shown = section(alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode())
    assert shown.index("Is the patient pregnant") < shown.index("No, and I have two forms") < shown.index("Which")
    local = timezone.localtime(MONDAY_9AM)
    assert f'<time datetime="{local.isoformat()}">' in shown  # asked
    assert f'<time datetime="{(local + datetime.timedelta(hours=2)).isoformat()}">' in shown  # answered
    assert "Not answered yet: send your answer." in shown  # the second question


def test_a_question_closed_without_an_answer_says_so(alice, pharmacist):
    prescription = submit(alice)
    ask(prescription, pharmacist)
    services.transition_prescription(
        prescription=prescription, to_status=S.REJECTED, actor=pharmacist, message_to_customer="No answer."
    )
    (only,) = selectors.questions_and_answers(prescription.events.all())
    assert only.closed_without_answer == "Rejected" and only.answered_at is None and not only.open


def test_a_prescription_never_asked_about_shows_no_questions(alice_client, alice):
    prescription = submit(alice)
    assert (
        "questions and your answers"
        not in alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode()
    )
