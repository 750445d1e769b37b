"""The journeys, polished (issue 20), in the browser:

- a pharmacist verifies a clean prescription from the queue with the keyboard alone, and
  the key presses are counted (at most 5; it takes 2: Enter on the focused "Open", Enter on
  the focused "Verify"), with Verify in the window at 1280×900 without scrolling;
- a customer whose upload form comes back for a wrong ZIP code does not choose the file
  again; once verified and ordered, the order and prescription pages fit a 375 px phone
  (no horizontal scrolling), and the prescription line offers no "Re-order" nor review.

Every page visited is checked with axe-core (nothing serious or critical).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

RUTH = j.Customer(
    "ruth.adler@example.com",
    "ruth-e2e-2026",
    "Ruth",
    "Adler",
    date_of_birth="1996-02-14",
    address="75 Court Street",
    city="Brooklyn",
    state="NY",
    postcode="11201",
    phone="+17185550142",
)
NOAH = j.Customer(
    "noah.keys@example.com",
    "noah-e2e-2026",
    "Noah",
    "Keys",
    date_of_birth="1994-08-03",
    address="75 Court Street",
    city="Brooklyn",
    state="NY",
    postcode="11201",
    phone="+17185550143",
)
PHONE = {"width": 375, "height": 812}


def own_transcribed_prescription(stack, new_page) -> str:
    """A clean prescription of this test's own, transcribed and made the oldest in the queue: the
    demo's transcribed one belongs to another journey (tests/e2e/test_review_workspace.py)."""
    base = stack.base_url
    customer = new_page()
    j.register(customer, base, NOAH, stack)
    j.add_to_basket(customer, base, j.ISOTRETINOIN_20)
    j.go_to_basket(customer, base)
    reference = j.upload_from_basket(customer, j.ISOTRETINOIN_20, NOAH)
    j.transcribe_as_technician(new_page(), base, reference)
    stack.shell(
        "import datetime\n"
        "from django.utils import timezone\n"
        "from prescriptions.models import Prescription\n"
        f"Prescription.objects.filter(customer__email={NOAH.email!r}).update("
        "created_at=timezone.now() - datetime.timedelta(days=30))"
    )
    return reference


class Keyboard:
    """The pharmacist's hands: every key press goes through here and is counted."""

    def __init__(self, page):
        self.page = page
        self.presses = 0

    def press(self, key: str) -> None:
        self.presses += 1
        self.page.keyboard.press(key)


def focused(page) -> str:
    return page.evaluate("() => document.activeElement.tagName + ' ' + document.activeElement.innerText")


def test_a_clean_verification_from_the_queue_takes_two_key_presses(stack, page, new_page, shots):
    base = stack.base_url
    reference = own_transcribed_prescription(stack, new_page)
    page.set_viewport_size({"width": 1280, "height": 900})
    j.staff_sign_in(page, base, j.PHARMACIST, next_url="/accounts/")
    # Signed in from the shop: the dashboard, which for a pharmacist is the review queue.
    expect(page).to_have_url(re.compile(r"/dashboard/pharmacy/$"))
    expect(page.get_by_role("navigation", name="Account").get_by_role("link", name="Dashboard")).to_be_visible()
    assert_accessible(page, "polished-queue")

    keys = Keyboard(page)
    # The focus is on "Open" of the first transcribed prescription (ready for a pharmacist).
    assert focused(page).startswith("BUTTON Open"), focused(page)
    with page.expect_navigation():
        keys.press("Enter")
    expect(page.get_by_text("You are working on this prescription")).to_be_visible()
    expect(page.locator("#checks")).to_contain_text("Every rule passed.")
    verify = page.get_by_role("button", name="Verify prescription")
    expect(verify).to_be_focused()  # not the page body
    box = verify.bounding_box()
    assert page.evaluate("() => window.scrollY") == 0 and box["y"] + box["height"] <= 900, box
    j.wait_for_documents(page)
    shots(page, "decision-first")
    assert_accessible(page, "polished-review-decision-first")

    with page.expect_navigation():
        keys.press("Enter")
    expect(page.get_by_text(f"Prescription {reference} verified", exact=False)).to_be_visible()
    assert keys.presses == 2 <= 5, keys.presses
    assert not focused(page).startswith("BODY"), focused(page)  # the next one is Enter away


def test_the_upload_keeps_its_file_and_the_customer_pages_fit_a_phone(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, RUTH, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.add_to_basket(page, base, j.LIP_BALM)
    j.go_to_basket(page, base)

    # A wrong ZIP code: the form comes back, says what is wrong, and keeps the file.
    j.basket_notice(page, j.ISOTRETINOIN_20).get_by_role("link", name="Upload a prescription").click()
    j.fill_upload_form(page, RUTH)
    page.get_by_label("ZIP code").fill("1120")
    with page.expect_navigation():
        page.get_by_role("button", name="Upload prescription").click()
    errors = page.locator("#upload-errors")
    expect(errors).to_contain_text("Your prescription was not sent yet. Please correct:")
    expect(errors.get_by_role("link", name="ZIP code")).to_be_visible()
    expect(errors).to_contain_text("We kept the file you chose; you do not need to choose it again.")
    expect(page.locator("#held-files")).to_contain_text("prescription.pdf")
    assert_accessible(page, "polished-upload-sent-back")
    shots(page, "upload-sent-back")
    page.get_by_label("ZIP code").fill(RUTH.postcode)
    with page.expect_navigation():
        page.get_by_role("button", name="Upload prescription").click()  # no file chosen again
    received = page.get_by_text(re.compile(r"Thank you: we have your prescription RX-"))
    expect(received).to_be_visible()
    reference = j.REFERENCE.search(received.inner_text()).group()

    number, _pharmacist = j.verify_then_place_order(stack, page, new_page, base, RUTH, reference)

    # On a phone: the order and prescription pages, no horizontal scrolling, axe-clean.
    page.set_viewport_size(PHONE)
    prescription_url = j.open_my_prescription(page, base, reference)
    for label, url in (
        ("order", f"{base}/accounts/orders/{number}/"),
        ("order-history", f"{base}/accounts/orders/"),
        ("my-prescriptions", f"{base}/prescriptions/"),
        ("prescription", prescription_url),
    ):
        page.goto(url)
        page.wait_for_load_state()
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{label}: {width} px wide at {PHONE['width']} px"
        assert_accessible(page, f"polished-375-{label}")
        shots(page, f"375-{label}")

    page.goto(f"{base}/accounts/orders/{number}/")
    rx_line = page.locator(".rx-order-line").filter(has_text=j.ISOTRETINOIN_20)
    expect(rx_line.get_by_role("link", name=reference)).to_be_visible()
    expect(rx_line.get_by_role("button", name=re.compile("Re-order"))).to_have_count(0)
    expect(rx_line.get_by_role("link", name=re.compile("Write a review"))).to_have_count(0)
    otc_line = page.locator(".rx-order-line").filter(has_text=j.LIP_BALM)
    expect(otc_line.get_by_role("button", name=re.compile("Re-order"))).to_be_visible()


def test_the_document_viewer_zooms_and_rotates_a_photo_by_keyboard(stack, page):
    base = stack.base_url
    j.staff_sign_in(page, base, j.PHARMACIST)
    # The demo's prescriptions are photos (PNG); looking at one does not claim it.
    page.get_by_role("row").filter(has_text="Not yet").first.get_by_role("link", name=j.REFERENCE).click()
    photo = page.locator("#rx-doc-1")
    expect(photo).to_be_visible()
    page.get_by_role("button", name="Rotate").first.focus()
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Zoom in").first.focus()
    page.keyboard.press("Enter")
    expect(photo).to_have_attribute("style", re.compile(r"rotate\(90deg\) scale\(1\.25\)"))
    expect(page.locator("#rx-doc-1-view")).to_have_text("Zoom 125%, rotated 90°")
    page.get_by_role("button", name="Reset").first.focus()
    page.keyboard.press("Enter")
    expect(photo).to_have_attribute("style", re.compile(r"rotate\(0deg\) scale\(1\)"))
    assert_accessible(page, "polished-document-viewer")
