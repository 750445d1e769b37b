"""Refill in one click: a doxycycline prescription with two refills is verified, ordered and
dispensed; weeks later (the first fill is dated back in the server's database: the server runs
in its own process, where the test cannot move the clock) the customer presses Refill on
"My prescriptions", checks out, the pharmacist dispenses the refill, and the prescription shows
one fill left and the date the next one may be ordered."""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils.formats import date_format
from playwright.sync_api import expect

from prescriptions.orders import OrderStatus
from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

DOXYCYCLINE = "Doxycycline hyclate 100 mg capsules (28)"
IMANI = j.Customer("imani.refill@example.com", "imani-e2e-2026", "Imani", "Brooks", date_of_birth="1987-09-14")


def checkout(page, base) -> str:
    j.proceed_to_checkout(page, base)
    j.fill_shipping_address(page, IMANI)
    j.continue_from_address(page)
    j.choose_test_card(page, "visa")
    j.continue_to_preview(page)
    number, _ = j.place_order(page)
    return number


def dispense(pharmacist, base, number) -> None:
    j.open_for_dispense(pharmacist, base, number, ndc=j.DOXYCYCLINE_100_NDC)
    pharmacist.get_by_label(re.compile("Medication Guide is in the package")).check()
    j.press_dispense(pharmacist)
    expect(pharmacist.get_by_text(re.compile(rf"Order {number} dispensed; \$[\d.]+ captured\."))).to_be_visible()


def date_first_fill_back(stack, number: str, days: int) -> None:
    stack.shell(
        "import datetime\n"
        "from django.db import connection\n"
        "from django.utils import timezone\n"
        "with connection.cursor() as cursor:\n"
        "    cursor.execute('UPDATE dispensing_dispense SET dispensed_at = %s WHERE order_line_id IN "
        "(SELECT l.id FROM order_line l JOIN order_order o ON o.id = l.order_id WHERE o.number = %s)', "
        f"[timezone.now() - datetime.timedelta(days={days}), {number!r}])\n"
    )


def test_refill_in_one_click_then_the_pharmacist_dispenses_it(stack, page, new_page, shots):
    base = stack.base_url
    j.register(page, base, IMANI, stack)
    j.add_to_basket(page, base, DOXYCYCLINE)
    j.go_to_basket(page, base)
    reference = j.upload_from_basket(page, DOXYCYCLINE, IMANI)
    j.transcribe_as_technician(
        new_page(),
        base,
        reference,
        drug="Doxycycline hyclate",
        strength="100 mg",
        quantity=28,
        days_supply=28,
        refills=2,
        risk_category="",
        directions="Take one capsule by mouth once daily.",
    )
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    j.verify(pharmacist, reference)
    first = checkout(page, base)
    dispense(pharmacist, base, first)

    # Right after the first fill: it is too soon, and the page says from when.
    j.my_prescriptions(page, base)
    card = j.prescription_card(page, reference)
    expect(card.locator(".rx-refill")).to_contain_text("2 fills left")
    expect(card.locator(".rx-refill")).to_contain_text("Refill from")
    expect(card.get_by_role("button", name=re.compile("^Refill"))).to_have_count(0)

    # 22 days later (75 % of 28 days is 21): one click.
    date_first_fill_back(stack, first, days=22)
    j.my_prescriptions(page, base)
    card = j.prescription_card(page, reference)
    assert_accessible(page, "my-prescriptions-refill")
    shots(page, "my-prescriptions-refill", doc="refill")
    with page.expect_navigation():
        card.get_by_role("button", name=re.compile("^Refill")).click()
    expect(page.get_by_text(f"The next fill of prescription {reference} is in your basket.")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/basket/$"))
    refill = checkout(page, base)

    dispense(pharmacist, base, refill)
    j.expect_order_status(page, base, refill, OrderStatus.DISPENSED)
    expect(page.locator("#rx-order-refills")).to_be_visible()
    j.my_prescriptions(page, base)
    card = j.prescription_card(page, reference)
    expect(card.locator(".rx-refill")).to_contain_text("1 fill left")
    next_day = j.shop_today() + datetime.timedelta(days=21)
    expect(card.locator(".rx-refill")).to_contain_text(f"Refill from {date_format(next_day)}.")
    shots(page, "refill-dispensed")
