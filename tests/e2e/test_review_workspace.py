"""The demo pharmacist signs in (password, then the authenticator code), works
from the review queue and verifies a prescription; both pages pass axe-core.
Its screenshots become README pictures with `make screenshots`."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from shop.storefront.demo import DEMO_ACCOUNTS
from tests.e2e.conftest import assert_accessible
from tests.e2e.journeys import staff_sign_in

pytestmark = pytest.mark.e2e

PHARMACIST = next(a for a in DEMO_ACCOUNTS if a.email == "pharmacist@example.com")


def test_pharmacist_verifies_a_prescription_from_the_queue(stack, page, shots):
    staff_sign_in(page, stack.base_url, PHARMACIST)
    page.goto(f"{stack.base_url}/dashboard/")
    expect(page).to_have_url(re.compile(r"/dashboard/pharmacy/$"))
    expect(page.get_by_role("heading", name="Prescriptions waiting for review")).to_be_visible()
    expect(page.get_by_text("Sofia Diaz")).to_be_visible()
    shots(page, "queue", doc="queue")
    assert_accessible(page, "review-queue")

    row = page.get_by_role("row").filter(has_text="Isotretinoin 20 mg").filter(has_text="Transcribed")
    row.get_by_role("button", name=re.compile(r"^Open")).click()
    expect(page.get_by_role("heading", name=re.compile(r"^Prescription RX-"))).to_be_visible()
    expect(page.get_by_text("You are working on this prescription")).to_be_visible()
    expect(page.get_by_role("img", name=re.compile("Prescription document 1 of 1"))).to_be_visible()
    expect(page.get_by_text("Every rule passed.")).to_be_visible()
    shots(page, "review", doc="review")
    assert_accessible(page, "review-screen")

    page.get_by_role("button", name="Verify prescription").click()
    expect(page).to_have_url(re.compile(r"/dashboard/pharmacy/$"))
    expect(page.get_by_text(re.compile(r"Prescription RX-[0-9A-F]{8} verified"))).to_be_visible()
    shots(page, "verified")
    stack.wait_for_email("carlos@example.com", "verified")
