"""A customer buys over-the-counter items only and pays with a test Visa card:
the order confirmation shows, the card is authorised (not charged) and the
confirmation e-mail arrives, sent by the Celery worker."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from prescriptions.orders import OrderStatus
from tests.e2e import journeys as j

pytestmark = pytest.mark.e2e


def test_customer_buys_otc_items_and_pays_with_a_test_card(stack, page, shots):
    base = stack.base_url
    j.sign_in(page, base, j.BOB)
    j.add_to_basket(page, base, j.LIP_BALM)
    j.add_to_basket(page, base, j.SUNSCREEN)

    j.go_to_basket(page, base)
    expect(page.locator(".rx-basket-notice")).to_have_count(0)  # nothing needs a prescription
    expect(page.locator("#basket_formset")).to_contain_text(j.LIP_BALM)
    expect(page.locator("#basket_formset")).to_contain_text(j.SUNSCREEN)
    shots(page, "basket")

    page.get_by_role("link", name="Proceed to checkout").click()
    j.fill_shipping_address(page, j.BOB)
    shots(page, "shipping-address")
    j.continue_from_address(page)

    j.choose_test_card(page, "visa")
    expect(page.get_by_text("authorised now and charged later")).to_be_visible()
    shots(page, "payment-test-card")
    j.continue_to_preview(page)
    expect(page.locator("#payment-summary")).to_contain_text("Visa 4242 4242 4242 4242")
    expect(page.get_by_text(j.LIP_BALM)).to_be_visible()
    expect(page.get_by_text(j.SUNSCREEN)).to_be_visible()
    shots(page, "preview")

    number, intent = j.place_order(page)
    expect(page.get_by_text(f"your order number is {number}")).to_be_visible()
    expect(page.locator("body")).to_contain_text(j.LIP_BALM)
    expect(page.locator("body")).to_contain_text("$19.49")  # 4.99 + 14.50, free shipping
    shots(page, "confirmation")

    # Authorised at "Place order"; an OTC order is charged when it ships.
    assert j.payment_intent(stack, intent)["status"] == "requires_capture"
    j.expect_order_status(page, base, number, OrderStatus.AWAITING_SHIPMENT)

    email = stack.wait_for_email(j.BOB.email, f"we have your order {number}", seconds=60)
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert number in body and j.LIP_BALM in body
    if stack.worker_log is not None:  # CI: the e-mail went through Redis and the worker
        assert stack.worker_ran("shop.pharmacy.tasks.send_order_placed_email"), "the Celery worker did not send it"
    expect(page).to_have_url(re.compile(rf"/accounts/orders/{number}/"))
