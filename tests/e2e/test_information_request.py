"""The pharmacist needs more before deciding: she asks the customer, the
customer answers on the prescription's page (with another page of the
prescription), and the pharmacist then verifies it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

MAYA = j.Customer(
    "maya.chen@example.com",
    "maya-e2e-2026",
    "Maya",
    "Chen",
    date_of_birth="2001-02-17",
    address="85 Court Street",
    city="Brooklyn",
    state="NY",
    postcode="11201",
    phone="+17185550161",
)
QUESTION = (
    "Is this your first course of isotretinoin? Please also upload the page of the prescription "
    "with your prescriber's signature."
)
ANSWER = "Yes, it is my first course. The signed page is attached."


def test_pharmacist_asks_customer_answers_then_verified(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, MAYA, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, MAYA)

    technician = new_page()
    j.transcribe_as_technician(technician, base, reference)

    # The pharmacist asks.
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    decide = pharmacist.locator("#decide")
    decide.get_by_text("Ask the customer a question…").click()  # folded under the decision
    decide.get_by_label("Question to the customer").fill(QUESTION)
    shots(pharmacist, "pharmacist-asks")
    with pharmacist.expect_navigation():
        decide.get_by_role("button", name="Send the question").click()
    expect(pharmacist.get_by_text(f"Question sent to the customer about prescription {reference}.")).to_be_visible()

    # The customer is told by e-mail, in the basket and in "My prescriptions".
    email = stack.wait_for_email(
        MAYA.email, f"Your prescription {reference}: Our pharmacist has a question", seconds=60
    )
    assert "/prescriptions/" in email.get_body(preferencelist=("plain",)).get_content()
    j.go_to_basket(page, base)
    expect(j.basket_notice(page, j.ISOTRETINOIN_20).get_by_role("link", name="Answer the pharmacist")).to_be_visible()
    j.expect_prescription_status(page, base, reference, "Our pharmacist has a question")
    card = j.prescription_card(page, reference)
    expect(card).to_contain_text(QUESTION)
    shots(page, "customer-sees-question")
    card.get_by_role("link", name="Answer the question").click()
    expect(page).to_have_url(re.compile(r"/prescriptions/[0-9a-f-]{36}/#answer$"))
    expect(page.locator(".alert-warning")).to_contain_text(f"Pharmacist's question: {QUESTION}")
    assert_accessible(page, "prescription-answer")

    answer = page.locator("#answer")
    answer.get_by_label("Your answer").fill(ANSWER)
    answer.get_by_label("Add files (optional)").set_input_files(files=[j.written_prescription(MAYA)])
    shots(page, "customer-answers")
    with page.expect_navigation():
        answer.get_by_role("button", name="Send my answer").click()
    expect(page.get_by_text("Thank you: your answer is with our pharmacist.")).to_be_visible()
    expect(page.locator(".rx-status")).to_have_text("Waiting for a pharmacist")
    expect(page.locator(".rx-history")).to_contain_text(ANSWER)
    expect(page.locator("#answer")).to_have_count(0)  # answered: no form any more
    shots(page, "customer-answered")

    # The pharmacist reads the answer and the new page, and verifies.
    j.open_from_queue(pharmacist, base, reference)
    expect(pharmacist.get_by_text(f"customer: “{ANSWER}”")).to_be_visible()
    expect(pharmacist.locator(".rx-document")).to_have_count(2)
    shots(pharmacist, "pharmacist-reads-answer")
    j.verify(pharmacist, reference)

    stack.wait_for_email(MAYA.email, f"Your prescription {reference}: Verified", seconds=60)
    j.expect_prescription_status(page, base, reference, "Verified")
    j.go_to_basket(page, base)
    expect(page.locator(".rx-line-covered")).to_contain_text(f"Covered by your verified prescription {reference}")
    shots(page, "basket-covered")
