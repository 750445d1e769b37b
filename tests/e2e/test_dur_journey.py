"""Drug-utilisation review in the browser: a patient who takes doxycycline
uploads an isotretinoin prescription; the pharmacist sees the contraindication
beside the prescription's findings, cannot verify without a documented
override reason, verifies with one, and the inspector's history shows the
override with the evaluation's fingerprint (RULES.md 6.1)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

IRIS = j.Customer(
    "iris.novak@example.com",
    "iris-e2e-2026",
    "Iris",
    "Novak",
    date_of_birth="1996-02-11",
    address="77 State Street",
    city="Albany",
    state="NY",
    postcode="12207",
    phone="+15185550193",
)
CONTRAINDICATION = "dur.interaction:6064+3640"
REASON = "Prescriber stopped doxycycline on the phone today; patient told to finish no more doses."


def test_a_contraindication_needs_a_documented_override_that_the_history_keeps(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, IRIS, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, IRIS)

    # Her health information, from the account: no known allergies, doxycycline from her dermatologist.
    page.goto(f"{base}/prescriptions/health/")
    expect(page.get_by_text("Not filled in yet.")).to_be_visible()
    page.get_by_role("link", name=re.compile("Fill in health information")).click()
    page.get_by_label("No known allergies").check()
    page.get_by_label("Medicine 1: pick the ingredient").select_option(label="doxycycline")
    page.get_by_label("Medicine 1: or type its name (and strength)").fill("Doxycycline 100 mg, twice daily")
    assert_accessible(page, "health-information")
    shots(page, "health-information")
    with page.expect_navigation():
        page.get_by_role("button", name="Save health information").click()
    expect(page.get_by_text(f"Health information of {IRIS.first_name} {IRIS.last_name} saved.")).to_be_visible()

    j.transcribe_as_technician(new_page(), base, reference)
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    public_id = re.search(r"/prescriptions/([0-9a-f-]{36})/", pharmacist.url).group(1)

    dur = pharmacist.locator("#dur")
    expect(dur).to_contain_text("Contraindicated")
    expect(dur).to_contain_text("isotretinoin (RxCUI 6064) with doxycycline (RxCUI 3640)")
    expect(dur).to_contain_text("intracranial pressure")
    expect(dur).to_contain_text("No known allergies (asked)")
    expect(dur).to_contain_text("demonstration data")
    expect(pharmacist.get_by_text("Every rule passed.")).to_have_count(0)
    j.scroll_to(dur)
    shots(pharmacist, "contraindication")
    assert_accessible(pharmacist, "review-with-dur")

    # No reason, no verification: a blank reason is refused by the server.
    decide = pharmacist.locator("#decide")
    # The reason box sits beside the finding it answers (issue 20.10), sent with the verify form.
    override = dur.locator(f"textarea[name='override__{CONTRAINDICATION}']")
    expect(override).to_be_visible()
    override.fill("   ")
    with pharmacist.expect_navigation():
        decide.get_by_role("button", name="Verify prescription").click()
    expect(pharmacist.get_by_text(re.compile(rf"Not verified\..*{re.escape(CONTRAINDICATION)}"))).to_be_visible()
    shots(pharmacist, "refused-without-reason")

    pharmacist.locator("#dur").locator(f"textarea[name='override__{CONTRAINDICATION}']").fill(REASON)
    with pharmacist.expect_navigation():
        pharmacist.locator("#decide").get_by_role("button", name="Verify prescription").click()
    expect(pharmacist.get_by_text(f"Prescription {reference} verified. The customer has been told.")).to_be_visible()

    pharmacist.goto(f"{base}/dashboard/pharmacy/history/{public_id}/")
    history = pharmacist.locator("body")
    expect(history).to_contain_text(f"Override BLOCK {CONTRAINDICATION}")
    expect(history).to_contain_text(REASON)
    expect(history).to_contain_text(re.compile(r"Evaluation\s*#\d+ [0-9a-f]{64}"))
    expect(history).to_contain_text("Priya Raman")
    shots(pharmacist, "history-shows-override")

    # The customer's e-mail says verified, and names no interaction.
    message = stack.wait_for_email(IRIS.email, f"Your prescription {reference}: Verified", seconds=60)
    body = str(message).lower()
    assert "doxycycline" not in body and "intracranial" not in body
