"""Shipping to a state where the pharmacy holds no licence (Massachusetts): even
with a verified prescription, checkout refuses the prescription item with a
message that names the state and the states it ships to, no order can be placed
there, and the address step stays open so a licensed address lets the customer go on."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j

pytestmark = pytest.mark.e2e

SAM = j.Customer(
    "sam.rivera@example.com",
    "sam-e2e-2026",
    "Sam",
    "Rivera",
    date_of_birth="1996-01-25",
    address="1 Beacon Street",
    city="Boston",
    state="MA",
    postcode="02108",
    phone="+16175550100",
)


def test_checkout_refuses_to_ship_to_a_state_without_a_licence(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, SAM, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, SAM)
    j.transcribe_and_verify(new_page, base, reference)
    j.expect_prescription_status(page, base, reference, "Verified")

    # The footer says where prescription medicines are shipped; Massachusetts is not there.
    expect(page.locator(".rx-footer")).not_to_contain_text("Massachusetts")

    j.proceed_to_checkout(page, base)
    j.fill_shipping_address(page, SAM)  # Boston, MA
    shots(page, "shipping-to-massachusetts")
    j.continue_from_address(page)
    # Refused, and back at the address step (never a dead end), told where we do ship.
    expect(page).to_have_url(re.compile(r"/checkout/shipping-address/"))
    message = page.locator("#messages")
    expect(message).to_contain_text(j.ISOTRETINOIN_20)
    expect(message).to_contain_text("Massachusetts")
    expect(message).to_contain_text("New York")
    shots(page, "refused-with-a-clear-message")

    # The later steps refuse too, and no order is placed.
    for step in ("payment-details", "preview"):
        page.goto(f"{base}/checkout/{step}/")
        expect(page).not_to_have_url(re.compile(rf"/checkout/{step}/"))

    # A licensed address (New York) lets the customer go on.
    page.goto(f"{base}/checkout/shipping-address/")
    j.fill_shipping_address(page, SAM, line1="22 Jay Street", city="Brooklyn", state="NY", postcode="11201")
    j.continue_from_address(page)
    expect(page).not_to_have_url(re.compile(r"/checkout/shipping-address/|/basket/"))
    page.goto(f"{base}/accounts/orders/")
    expect(page.get_by_text("You haven't placed any orders.")).to_be_visible()
