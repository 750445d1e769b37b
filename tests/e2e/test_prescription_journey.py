"""The whole lawful way to isotretinoin, in the browser, as tests/dispensing does
it at service level: the customer is told a prescription is needed and uploads
it; a technician transcribes it; a pharmacist sees the rule findings and
verifies it; the customer pays (the card is authorised); the pharmacist enters
the iPLEDGE RMA, confirms the Medication Guide and dispenses; the card is
captured. The customer sees every status on the way."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from prescriptions.orders import OrderStatus
from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e


def test_isotretinoin_from_prescription_upload_to_dispense(stack, page, new_page, shots):
    base = stack.base_url
    alice = j.ALICE

    # --- The customer: a prescription is needed, she uploads it --------------------------------
    j.sign_in(page, base, alice)
    j.open_product(page, base, j.ISOTRETINOIN_20)
    expect(page.get_by_text("Prescription required").first).to_be_visible()
    shots(page, "product", doc="product")
    with page.expect_navigation():
        page.locator("#add_to_basket_form").get_by_role("button", name="Add to cart").click()
    j.add_to_basket(page, base, j.LIP_BALM)

    j.go_to_basket(page, base)
    notice = j.basket_notice(page, j.ISOTRETINOIN_20)
    expect(notice).to_contain_text("No prescription is attached to this item yet.")
    expect(notice.get_by_role("link", name="Upload a prescription")).to_be_visible()
    shots(page, "basket-prescription-needed", doc="basket-rx-required")
    assert_accessible(page, "basket")

    # Every checkout step refuses the line on the server.
    page.get_by_role("link", name="Proceed to checkout").click()
    expect(page).to_have_url(re.compile(r"/basket/$"))
    expect(page.locator("#messages")).to_contain_text("No prescription is attached to this item yet.")
    page.goto(f"{base}/checkout/preview/")
    expect(page).to_have_url(re.compile(r"/basket/$"))

    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, alice, shots=shots)
    expect(j.basket_notice(page, j.ISOTRETINOIN_20)).to_contain_text(
        f"Prescription {reference} is waiting for our pharmacist to verify it."
    )
    shots(page, "basket-waiting-for-pharmacist")
    stack.wait_for_email(alice.email, f"Your prescription {reference}: Waiting for a pharmacist")

    j.expect_prescription_status(page, base, reference, "Waiting for a pharmacist")
    shots(page, "my-prescriptions-submitted", doc="my-prescriptions")
    assert_accessible(page, "my-prescriptions")

    # --- A technician transcribes it (step 1) ----------------------------------------------------
    technician = new_page()
    j.staff_sign_in(technician, base, j.TECHNICIAN)
    expect(technician.get_by_role("row").filter(has_text=reference)).to_contain_text(alice.name)
    shots(technician, "technician-queue")
    assert_accessible(technician, "review-queue-technician")
    j.open_from_queue(technician, base, reference)
    expect(technician.get_by_role("heading", name="Step 1: transcribe the prescription")).to_be_visible()
    expect(technician.locator("#decide")).to_contain_text("A pharmacist verifies, rejects or asks the customer.")
    expect(technician.locator("#decide").get_by_role("button")).to_have_count(0)  # a technician never decides
    assert_accessible(technician, "review-transcription")
    j.transcribe(technician)
    j.scroll_to(technician.locator("#transcription"))
    shots(technician, "technician-transcribes", doc="transcription")
    j.save_transcription(technician)
    shots(technician, "transcription-checked")
    j.release(technician, reference)
    j.expect_prescription_status(
        page, base, reference, "Waiting for a pharmacist"
    )  # a technician's claim is not a review

    # --- The pharmacist sees the findings and verifies (step 2) ---------------------------------
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    # The transcription is read-only, its form folded away under "Edit the transcription".
    expect(pharmacist.locator("#transcription dl")).to_contain_text("NPI 1234567893")
    expect(pharmacist.locator("#transcription").get_by_label("Prescriber NPI")).to_be_hidden()
    found = j.findings(pharmacist)
    assert found["BLOCK"] == [], found
    if not found["WARN"]:
        expect(pharmacist.locator("#checks")).to_contain_text("Every rule passed.")
    expect(pharmacist.get_by_role("button", name="Verify prescription")).to_be_visible()
    assert_accessible(pharmacist, "review-pharmacist")
    j.wait_for_documents(pharmacist)
    shots(pharmacist, "pharmacist-review", doc="pharmacist-review")
    j.scroll_to(pharmacist.locator("#checks"))
    shots(pharmacist, "pharmacist-findings", doc="pharmacist-findings")

    j.expect_prescription_status(page, base, reference, "A pharmacist is checking it")
    stack.wait_for_email(alice.email, f"Your prescription {reference}: A pharmacist is checking it")

    j.verify(pharmacist, reference)
    shots(pharmacist, "verified")

    # --- The customer is told, and pays -----------------------------------------------------------
    email = stack.wait_for_email(alice.email, f"Your prescription {reference}: Verified", seconds=60)
    assert "You can now pay" in email.get_body(preferencelist=("plain",)).get_content()
    j.expect_prescription_status(page, base, reference, "Verified")
    shots(page, "my-prescriptions-verified")
    j.go_to_basket(page, base)
    expect(page.locator(".rx-line-covered")).to_contain_text(f"Covered by your verified prescription {reference}")
    expect(j.basket_notice(page, j.ISOTRETINOIN_20)).to_have_count(0)
    shots(page, "basket-covered")

    page.get_by_role("link", name="Proceed to checkout").click()
    j.fill_shipping_address(page, alice)
    assert_accessible(page, "checkout-shipping-address")
    shots(page, "checkout-shipping-address")
    j.continue_from_address(page)
    j.choose_test_card(page, "visa")
    shots(page, "checkout-test-card", doc="checkout-test-card")
    j.continue_to_preview(page)
    expect(page.get_by_text(j.ISOTRETINOIN_20)).to_be_visible()
    expect(page.get_by_text("It is charged only when our pharmacist dispenses")).to_be_visible()
    assert_accessible(page, "checkout-preview")
    shots(page, "checkout-preview")
    number, intent = j.place_order(page)
    shots(page, "order-confirmation", doc="order-confirmation")
    assert_accessible(page, "order-confirmation")
    assert j.payment_intent(stack, intent)["status"] == "requires_capture"  # authorised, not charged
    j.expect_order_status(page, base, number, OrderStatus.AWAITING_DISPENSE)
    shots(page, "order-awaiting-dispense")
    stack.wait_for_email(alice.email, f"we have your order {number}", seconds=60)

    # --- The pharmacist dispenses; the card is captured --------------------------------------
    j.open_for_dispense(pharmacist, base, number)
    expect(pharmacist.get_by_role("row").filter(has_text=j.ISOTRETINOIN_20)).to_contain_text(f"{reference} — Verified")
    j.enter_dispense(
        pharmacist, rma="RMA-0042-7781", do_not_dispense_after=j.shop_today() + datetime.timedelta(days=14)
    )
    shots(pharmacist, "dispense", doc="dispense")
    j.press_dispense(pharmacist)
    expect(pharmacist.get_by_text(f"Order {number} dispensed; $153.99 captured.")).to_be_visible()
    shots(pharmacist, "dispensed")

    assert j.payment_intent(stack, intent)["status"] == "succeeded"
    payment = j.payment_record(stack, number)
    assert (payment["state"], payment["captured"]) == ("captured", "153.99"), payment

    j.expect_order_status(page, base, number, OrderStatus.DISPENSED)
    shots(page, "order-dispensed", doc="order-dispensed")
    stack.wait_for_email(alice.email, f"Your order {number} has been dispensed", seconds=60)
    j.expect_prescription_status(page, base, reference, "All fills used")
    shots(page, "my-prescriptions-used-up")
    stack.wait_for_email(alice.email, f"Your prescription {reference}: All fills used", seconds=60)
