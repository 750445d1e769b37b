"""Nobody sees a prescription that is not theirs: customer B opening customer
A's prescription page or file gets "not found" (not even a hint it exists); a
visitor is sent to sign in; a customer opening staff pages is refused or sent
to sign in, and never sees patient data."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e import journeys as j

pytestmark = pytest.mark.e2e

ANA = j.Customer(
    "ana.silva@example.com",
    "ana-e2e-2026",
    "Ana",
    "Silva",
    date_of_birth="1990-08-08",
    address="77 Ocean Parkway",
    city="Brooklyn",
    state="NY",
    postcode="11218",
    phone="+17185550133",
)


def refused(response, page) -> bool:
    """403/404, or a redirect to a sign-in or second-factor page."""
    return response.status in (403, 404) or bool(
        re.search(
            r"/(accounts|dashboard)/login/|/pharmacy/staff/verify/|"
            r"/admin/login/",
            page.url,
        )
    )


def test_customer_cannot_see_anothers_prescription_nor_staff_pages(stack, page, new_page, shots):
    base = stack.base_url
    # Customer A uploads a prescription from the product page (not putting it in the basket).
    j.register(page, base, ANA, stack)
    j.open_product(page, base, j.ISOTRETINOIN_20)
    page.get_by_role("link", name="Upload your prescription").first.click()
    j.fill_upload_form(page, ANA)
    page.get_by_label("Put this medicine in my basket").uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name="Upload prescription").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Status:"))).to_be_visible()
    prescription_url = page.url
    reference = j.REFERENCE.search(page.title() + page.locator("h1").inner_text()).group()
    file_url = page.get_by_role("link", name=re.compile(r"^Open")).first.get_attribute("href")
    assert re.fullmatch(r"/prescriptions/files/[0-9a-f-]{36}/", file_url), file_url
    answer_url = prescription_url + "answer/"
    own_file = page.request.get(f"{base}{file_url}")
    assert own_file.status == 200 and own_file.body().startswith(b"%PDF")  # A opens her own file

    secrets = (ANA.last_name, reference, ANA.date_of_birth, "Dr. Hannah Lee")

    def shows_nothing_of_a(p):
        content = p.content()
        for secret in secrets:
            assert secret not in content, f"{secret!r} shown at {p.url}"

    # Customer B.
    bob = new_page()
    j.sign_in(bob, base, j.BOB)
    for url in (prescription_url, f"{base}{file_url}"):
        response = bob.goto(url)
        assert response.status == 404, (url, response.status)
        shows_nothing_of_a(bob)
    shots(bob, "other-customers-prescription-not-found")
    csrf = next(c["value"] for c in bob.context.cookies() if c["name"] == "csrftoken")
    answered = bob.request.post(answer_url, form={"answer": "Let me in", "csrfmiddlewaretoken": csrf}, max_redirects=0)
    assert answered.status == 404, answered.status
    j.my_prescriptions(bob, base)
    shows_nothing_of_a(bob)

    # A customer trying staff pages: the queue, A's review screen and file view as staff, dispensing, admin.
    review_url = f"{base}/dashboard/pharmacy/prescriptions/{prescription_url.rstrip('/').rsplit('/', 1)[1]}/"
    for url in (
        f"{base}/dashboard/",
        f"{base}/dashboard/pharmacy/",
        review_url,
        f"{base}/dashboard/pharmacy/history/",
        f"{base}{j.DISPENSE_QUEUE}",
        f"{base}/dashboard/orders/",
        f"{base}/admin/",
    ):
        response = bob.goto(url)
        assert refused(response, bob), (url, response.status, bob.url)
        shows_nothing_of_a(bob)
    shots(bob, "customer-on-staff-page")
    claim = bob.request.post(review_url + "claim/", form={"csrfmiddlewaretoken": csrf}, max_redirects=0)
    assert claim.status in (302, 403, 404), claim.status
    assert "/dashboard/pharmacy/prescriptions/" not in claim.headers.get("location", "")

    # A visitor who is not signed in is sent to sign in.
    visitor = new_page()
    for url in (prescription_url, f"{base}{file_url}"):
        visitor.goto(url)
        expect(visitor).to_have_url(re.compile(r"/accounts/login/\?next="))
        shows_nothing_of_a(visitor)

    # And A still sees her own prescription, untouched.
    page.goto(prescription_url)
    expect(page.locator(".rx-status")).to_have_text("Waiting for a pharmacist")
