"""The pharmacist rejects the prescription: the customer sees the reason, the
isotretinoin can never be ordered on it, and the card is never touched for it
(the lip balm alone can still be bought)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

LEO = j.Customer(
    "leo.park@example.com",
    "leo-e2e-2026",
    "Leo",
    "Park",
    date_of_birth="1995-06-03",
    address="12 Grove Street",
    city="Hoboken",
    state="NJ",
    postcode="07030",
    phone="+12015550187",
)
REASON = (
    "The prescription you uploaded is for isotretinoin 10 mg, not 20 mg. "
    "Please ask your prescriber for a prescription for the strength you need and upload it."
)


def test_rejected_prescription_shows_the_reason_and_is_never_charged(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, LEO, stack)
    j.add_to_basket(page, base, j.ISOTRETINOIN_20)
    j.add_to_basket(page, base, j.LIP_BALM)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, j.ISOTRETINOIN_20, LEO)

    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    decide = pharmacist.locator("#decide")
    decide.get_by_text("Reject the prescription…").click()  # folded under the decision
    # Rejecting with no reason says so, beside the form (the browser no longer stops it silently).
    with pharmacist.expect_navigation():
        decide.get_by_role("button", name="Reject prescription").click()
    expect(decide.get_by_role("alert")).to_contain_text("Not rejected: Reason: This field is required.")
    assert_accessible(pharmacist, "review-reject-refused")
    decide.get_by_label("Reason").select_option(label="Prescription is for a different medicine or strength")
    decide.get_by_label("Message to the customer").fill(REASON)
    shots(pharmacist, "pharmacist-rejects")
    with pharmacist.expect_navigation():
        decide.get_by_role("button", name="Reject prescription").click()
    expect(pharmacist.get_by_text(f"Prescription {reference} rejected. The customer has been told.")).to_be_visible()
    expect(pharmacist.get_by_role("row").filter(has_text=reference)).to_have_count(0)  # out of the queue

    # The customer sees why, in the e-mail's link, in "My prescriptions" and on the prescription.
    stack.wait_for_email(LEO.email, f"Your prescription {reference}: Not accepted", seconds=60)
    j.expect_prescription_status(page, base, reference, "Not accepted")
    expect(j.prescription_card(page, reference)).to_contain_text(f"Pharmacist's reason: {REASON}")
    shots(page, "customer-sees-rejection")
    j.open_my_prescription(page, base, reference)
    expect(page.locator(".alert-danger")).to_contain_text(REASON)
    expect(page.locator(".rx-status")).to_have_text("Not accepted")

    # No order can be placed for the isotretinoin line.
    j.go_to_basket(page, base)
    notice = j.basket_notice(page, j.ISOTRETINOIN_20)
    expect(notice).to_be_visible()
    expect(notice.get_by_role("link", name="Upload a prescription")).to_be_visible()
    shots(page, "basket-after-rejection")
    page.get_by_role("link", name="Proceed to checkout").click()
    expect(page).to_have_url(re.compile(r"/basket/$"))
    for step in ("shipping-address", "payment-details", "preview"):
        page.goto(f"{base}/checkout/{step}/")
        expect(page).to_have_url(re.compile(r"/basket/$"))
    # "Place order" sent by hand (the preview's form, posted directly) is refused too.
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    response = page.request.post(
        f"{base}/checkout/preview/", max_redirects=0, form={"action": "place_order", "csrfmiddlewaretoken": csrf}
    )
    assert response.status == 302 and response.headers["location"].endswith("/basket/"), response.status

    # The lip balm alone goes through; the isotretinoin stays in the basket, saved for later.
    with page.expect_navigation():
        page.get_by_role("button", name=re.compile("Buy the other items now")).click()
    j.go_to_basket(page, base)
    expect(page.locator("#basket_formset")).to_contain_text(j.LIP_BALM)
    expect(page.locator("#basket_formset")).not_to_contain_text(j.ISOTRETINOIN_20)
    page.get_by_role("link", name="Proceed to checkout").click()
    j.fill_shipping_address(page, LEO)
    j.continue_from_address(page)
    j.choose_test_card(page, "visa")
    j.continue_to_preview(page)
    number, intent = j.place_order(page)
    expect(page.locator("body")).to_contain_text(j.LIP_BALM)
    expect(page.locator("body")).not_to_contain_text(j.ISOTRETINOIN_20)
    shots(page, "lip-balm-only-order")

    # The card was authorised for the lip balm only ($4.99), never for the isotretinoin.
    assert j.payment_intent(stack, intent)["amount"] == 499
    orders = stack.shell(
        "from oscar.core.loading import get_model\n"
        "Line = get_model('order', 'Line')\n"
        f"print(Line.objects.filter(order__user__email={LEO.email!r}, product__upc='RX-ISO-20').count(),"
        f" get_model('order', 'Order').objects.filter(user__email={LEO.email!r}).count())"
    ).splitlines()[-1]
    assert orders == "0 1", orders
