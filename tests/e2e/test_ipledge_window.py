"""The iPLEDGE window passes before the pharmacist dispenses: the RMA's "do not
dispense after" date is already over, so dispensing is refused; once the
pharmacist confirms what that means (the screen says it exactly), the card
authorisation is voided (the customer is never charged), the order is
cancelled and the RMA is put on the list to reverse."""

from __future__ import annotations

import datetime

import pytest
from playwright.sync_api import expect

from prescriptions.orders import OrderStatus
from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

NORA = j.Customer(
    "nora.quinn@example.com",
    "nora-e2e-2026",
    "Nora",
    "Quinn",
    date_of_birth="1993-11-21",
    address="410 West 57th Street",
    city="New York",
    state="NY",
    postcode="10019",
    phone="+12125550178",
)
RMA = "RMA-0099-3141"


def test_ipledge_window_passed_at_dispense_voids_the_payment_and_cancels(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, NORA, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, NORA)

    j.transcribe_as_technician(new_page(), base, reference)
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    j.verify(pharmacist, reference)

    stack.wait_for_email(NORA.email, f"Your prescription {reference}: Verified", seconds=60)
    page.goto(f"{base}/checkout/")
    j.fill_shipping_address(page, NORA)
    j.continue_from_address(page)
    j.choose_test_card(page, "visa")
    j.continue_to_preview(page)
    number, intent = j.place_order(page)
    assert j.payment_intent(stack, intent)["status"] == "requires_capture"

    # The RMA's window closed yesterday.
    j.open_for_dispense(pharmacist, base, number)
    j.enter_dispense(pharmacist, rma=RMA, do_not_dispense_after=j.shop_today() - datetime.timedelta(days=1))
    shots(pharmacist, "dispense-window-passed")
    j.press_dispense(pharmacist)
    # Nothing is voided or cancelled on "Dispense": the screen says what confirming does.
    confirm = pharmacist.locator(".rx-void-confirm")
    expect(confirm).to_contain_text("void the hold on the customer's card")
    expect(confirm).to_contain_text(f"cancel order {number}")
    assert j.payment_intent(stack, intent)["status"] == "requires_capture"
    assert_accessible(pharmacist, "dispense-confirm-void")
    with pharmacist.expect_navigation():
        confirm.get_by_role("button", name=f"Void the payment and cancel order {number}").click()
    expect(
        pharmacist.get_by_text(
            f"Order {number} cannot be dispensed: the authorisation was voided, "
            "the order cancelled and the RMA flagged for reversal."
        )
    ).to_be_visible()
    expect(
        pharmacist.get_by_role("row")
        .filter(has_text=number)
        .filter(has=pharmacist.get_by_role("link", name="Dispense"))
    ).to_have_count(0)
    expect(pharmacist.get_by_role("row").filter(has_text=RMA)).to_contain_text(number)  # to reverse in iPLEDGE
    shots(pharmacist, "voided-rma-to-reverse")

    # Never charged: the authorisation is cancelled at the card's bank.
    assert j.payment_intent(stack, intent)["status"] == "canceled"
    payment = j.payment_record(stack, number)
    assert (payment["state"], payment["captured"]) == ("voided", "0.00"), payment

    j.expect_order_status(page, base, number, OrderStatus.CANCELLED)
    shots(page, "customer-order-cancelled")
    # The fill was not used: the prescription is still there for a new RMA and order.
    j.expect_prescription_status(page, base, reference, "Verified")
