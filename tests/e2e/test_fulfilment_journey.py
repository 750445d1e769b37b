"""After the pharmacist says yes: an isotretinoin order is dispensed, shipped with a tracking
number (the customer sees the tracking link on the order page and gets it by e-mail), partly
refunded (the customer sees the refund and is told by e-mail), and the inspector's history of
the prescription shows every step: the rule evaluations of review, checkout and dispense, the
RMA, the Medication Guide, the capture, the parcel and the refund."""

from __future__ import annotations

import datetime
import re

import pytest
from playwright.sync_api import expect

from prescriptions.orders import OrderStatus
from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

RENE = j.Customer("rene.okoro@example.com", "rene-e2e-2026", "René", "Okoro", date_of_birth="1999-07-02")
TRACKING = "9400 1118 9922 3856 9284 99"  # USPS, 22 digits as printed on the label


def test_dispensed_order_is_shipped_tracked_partly_refunded_and_on_the_record(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, RENE, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.add_to_basket(page, base, j.LIP_BALM)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, RENE)
    pharmacist = j.transcribe_and_verify(new_page, base, reference)
    j.expect_prescription_status(page, base, reference, "Verified")
    prescription_url = j.open_my_prescription(page, base, reference)
    public_id = re.search(r"/([0-9a-f-]{36})/?$", prescription_url).group(1)

    j.proceed_to_checkout(page, base)
    j.fill_shipping_address(page, RENE)
    j.continue_from_address(page)
    j.choose_test_card(page, "visa")
    j.continue_to_preview(page)
    number, intent = j.place_order(page)

    # --- Dispensed: the card is captured for what goes out -----------------------------------------
    j.open_for_dispense(pharmacist, base, number)
    j.enter_dispense(
        pharmacist, rma="RMA-0099-1203", do_not_dispense_after=j.shop_today() + datetime.timedelta(days=14)
    )
    j.press_dispense(pharmacist)
    expect(pharmacist.get_by_text(re.compile(rf"Order {number} dispensed; \$[\d.]+ captured\."))).to_be_visible()
    captured = j.payment_record(stack, number)["captured"]
    j.expect_order_status(page, base, number, OrderStatus.DISPENSED)

    # --- Shipped with a tracking number, through the ship screen -----------------------------------
    pharmacist.goto(f"{base}/dashboard/pharmacy/ship/")
    expect(pharmacist.get_by_role("heading", level=1, name="Orders ready to ship")).to_be_visible()
    pharmacist.get_by_role("row").filter(has_text=number).get_by_role("link", name="Ship").click()
    expect(pharmacist.get_by_role("heading", level=1, name=f"Ship order {number}")).to_be_visible()
    pharmacist.get_by_label("Carrier").select_option("usps")
    pharmacist.get_by_label("Tracking number").fill(TRACKING)
    assert_accessible(pharmacist, "ship-order")
    shots(pharmacist, "ship-order")
    with pharmacist.expect_navigation():
        pharmacist.get_by_role("button", name="Record parcel").click()
    expect(pharmacist.get_by_text("not a USPS tracking number")).to_have_count(0)

    tracking_link = "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223856928499"
    email = stack.wait_for_email(RENE.email, f"Your order {number} is on its way", seconds=60)
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert tracking_link in body
    assert "Isotretinoin" not in body  # the e-mail names no medicine
    j.expect_order_status(page, base, number, OrderStatus.SHIPPED)
    expect(page.locator(f'a[href="{tracking_link}"]')).to_be_visible()
    shots(page, "order-shipped-with-tracking")

    # --- A partial refund: the lip balm --------------------------------------------------------------
    pharmacist.goto(f"{base}/dashboard/pharmacy/dispense/order/{number}/refund/")
    expect(pharmacist.get_by_role("heading", level=1, name=f"Refund order {number}")).to_be_visible()
    pharmacist.get_by_label(f"Quantity of {j.LIP_BALM}").fill("1")
    pharmacist.get_by_label("Reason").select_option("damaged_in_transit")
    shots(pharmacist, "refund")
    with pharmacist.expect_navigation():
        pharmacist.get_by_role("button", name="Refund").click()
    refunded = pharmacist.get_by_text(re.compile(rf"\$([\d.]+) refunded on order {number}"))
    expect(refunded).to_be_visible()
    amount = re.search(r"\$([\d.]+)", refunded.inner_text()).group(1)
    assert 0 < float(amount) < float(captured)

    stack.wait_for_email(RENE.email, f"Refund of ${amount} for your rxshop order {number}", seconds=60)
    page.goto(f"{base}/accounts/orders/{number}/")
    expect(page.locator(".rx-order-timeline")).to_contain_text(f"Refunded ${amount}")
    expect(page.locator(".rx-order-timeline")).to_contain_text("Shipped")
    expect(page.get_by_text("Allocation")).to_have_count(0)  # no oscar internals on the customer's page
    assert_accessible(page, "order-refunded")
    shots(page, "order-refunded")

    # --- The inspector's history shows every step ----------------------------------------------------
    pharmacist.goto(f"{base}/dashboard/pharmacy/history/{public_id}/")
    history = pharmacist.locator("body")
    for stage in ("verify", "checkout", "dispense"):
        expect(history).to_contain_text(re.compile(stage, re.IGNORECASE))
    expect(history).to_contain_text("RMA-0099-1203")
    expect(history).to_contain_text("Medication Guide")
    expect(history).to_contain_text(re.compile(r"[Cc]apture"))
    expect(history).to_contain_text("9400111899223856928499")
    expect(history).to_contain_text(f"${amount}")
    assert_accessible(pharmacist, "inspector-history-fulfilled")
    shots(pharmacist, "inspector-history-fulfilled")
