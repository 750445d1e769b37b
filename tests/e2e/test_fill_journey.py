"""Fill accuracy at the bench (issue 23): the technician scans the packs with a handheld scanner
in keyboard mode (a real GS1 DataMatrix, typed with Ctrl+] for the group separator); the wrong
strength is refused, the right pack counted; the pharmacist releases the order with the
patient's answer to the offer to counsel; the label prints as a PDF and the recall screen
finds the patient by lot."""

from __future__ import annotations

import datetime
import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

RUTH = j.Customer(
    "ruth.adeyemi@example.com",
    "ruth-e2e-2026",
    "Ruth",
    "Adeyemi",
    date_of_birth="1996-04-12",
    address="88 Orchard Street",
    city="New York",
    state="NY",
    postcode="10002",
    phone="+12125550143",
)
LOT = "E2E-FILL-7"
WRONG_STRENGTH = "0555-1054-86"  # Claravis 10 mg: the verified product is the 20 mg


def test_technician_scans_the_packs_and_the_pharmacist_releases_prints_and_recalls(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, RUTH, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, RUTH)
    number, pharmacist = j.verify_then_place_order(stack, page, new_page, base, RUTH, reference)

    # --- The technician fills: scan each pack ------------------------------------------------------
    technician = new_page()
    j.staff_sign_in(technician, base, j.TECHNICIAN, next_url="/dashboard/pharmacy/dispense/fill/")
    expect(technician.get_by_role("heading", level=1, name="Orders to fill")).to_be_visible()
    technician.get_by_role("row").filter(has_text=number).get_by_role("link", name="Fill").click()
    expect(technician.get_by_role("heading", level=1, name=f"Fill order {number}")).to_be_visible()
    assert_accessible(technician, "fill")
    field = technician.get_by_label(f"Scan a pack of {j.ISOTRETINOIN_20}")
    j.scan_pack(technician, field, WRONG_STRENGTH, lot="WRONG-1")
    expect(
        technician.get_by_role("alert").filter(has_text="Wrong drug/strength/pack: NDC 0555-1054-86")
    ).to_be_visible()
    expect(technician.locator(".fill-count")).to_have_text("0 of 1 pack(s) counted")
    j.scan_pack(
        technician, technician.get_by_label(f"Scan a pack of {j.ISOTRETINOIN_20}"), j.ISOTRETINOIN_20_NDC, lot=LOT
    )
    expect(technician.locator(".fill-count")).to_have_text("1 of 1 pack(s) counted")
    expect(technician.get_by_role("cell", name=LOT)).to_be_visible()
    shots(technician, "fill-scanned", doc="fill-scan")
    # Only a pharmacist may key an NDC by hand.
    expect(technician.get_by_text("key the NDC")).to_have_count(0)

    # --- The pharmacist's final check and release, with the offer to counsel -----------------------
    j.open_for_dispense(pharmacist, base, number)
    expect(pharmacist.locator(".fill-count")).to_have_text("1 of 1 pack(s) counted")
    j.enter_dispense(
        pharmacist, rma="RMA-0099-5521", do_not_dispense_after=j.shop_today() + datetime.timedelta(days=14)
    )
    pharmacist.get_by_label("Offer to counsel").select_option("declined")
    assert_accessible(pharmacist, "dispense-with-fill")
    j.press_dispense(pharmacist)
    expect(pharmacist.get_by_text(f"Order {number} dispensed")).to_be_visible()

    # --- The label, as a PDF -----------------------------------------------------------------------
    row = (
        pharmacist.get_by_role("row")
        .filter(has_text=number)
        .filter(has=pharmacist.get_by_role("link", name="Label (PDF)"))
    )
    href = row.get_by_role("link", name="Label (PDF)").get_attribute("href")
    pdf = pharmacist.request.get(f"{base}{href}")
    assert pdf.headers["content-type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.body())).pages)
    assert f"Patient: {RUTH.first_name} {RUTH.last_name}" in text and f"Lot {LOT}" in text
    assert "Isotretinoin 20 mg Capsule" in text and "1-800-555-0142" in text

    # --- A recall: which patients got the lot ------------------------------------------------------
    pharmacist.goto(f"{base}/dashboard/pharmacy/dispense/recall/")
    pharmacist.get_by_label("Lot number").fill(LOT)
    with pharmacist.expect_navigation():
        pharmacist.get_by_role("button", name="Find").click()
    expect(pharmacist.get_by_role("row").filter(has_text=number)).to_contain_text(f"{RUTH.first_name} {RUTH.last_name}")
    assert_accessible(pharmacist, "recall")
    shots(pharmacist, "recall", doc="recall")
