"""The customer's order page (Account › Order history › order): what each line offers
(issue 20.2, 20.12). A prescription line offers the refill route or nothing, never a plain
"Re-order" nor "Write a review" (whose page does not exist for a prescription medicine)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.test import Client
from oscar.core.loading import get_model

from prescriptions.orders import OrderStatus
from tests.factories import IsotretinoinProductFactory, OrderFactory, OtcProductFactory, submit, verify

pytestmark = pytest.mark.django_db
Line = get_model("order", "Line")


@pytest.fixture
def rx_and_otc(customer):
    rx = IsotretinoinProductFactory(title="Isotretinoin 20 mg", price=D("50.00"), num_in_stock=10)
    otc = OtcProductFactory(title="Lip balm", price=D("12.50"), num_in_stock=10)
    order = OrderFactory(lines=[(rx, 1), (otc, 2)], status=OrderStatus.AWAITING_DISPENSE, user=customer)
    return order, rx, otc


def page(customer, order) -> str:
    client = Client()
    client.force_login(customer)
    response = client.get(f"/accounts/orders/{order.number}/")
    assert response.status_code == 200
    return response.content.decode()


def line_cell(html: str, title: str) -> str:
    """The order-lines table cell of the line showing ``title``."""
    start = html.index('<td class="rx-order-line">', html.index("rx-order-lines"))
    cells = html[start:].split('<td class="rx-order-line">')[1:]
    return next(cell.split("</td>", 1)[0] for cell in cells if title in cell)


def test_a_prescription_line_offers_no_review_and_no_re_order(customer, rx_and_otc):
    order, rx, otc = rx_and_otc
    html = page(customer, order)
    rx_cell = line_cell(html, "Isotretinoin 20 mg")
    assert "Write a review" not in rx_cell and "Re-order" not in rx_cell and "Order a refill" not in rx_cell
    otc_cell = line_cell(html, "Lip balm")
    assert "Re-order" in otc_cell and "Write a review" in otc_cell
    assert "Re-order all items" not in html  # it would put the prescription medicine back too


def test_an_otc_only_order_may_be_re_ordered_whole(customer):
    order = OrderFactory(lines=[(OtcProductFactory(title="Lip balm"), 1)], user=customer)
    assert "Re-order all items" in page(customer, order)


def test_a_prescription_line_with_fills_left_offers_the_refill_route(customer, rx_and_otc, pharmacist):
    order, rx, _ = rx_and_otc
    prescription = verify(submit(customer, rx, refills=2), pharmacist)
    Line.objects.filter(order=order, product=rx).update(prescription=prescription)
    rx_cell = line_cell(page(customer, order), "Isotretinoin 20 mg")
    # The route is the order's Refills section (the Refill button, with the earliest date it allows).
    assert "Order a refill" in rx_cell and 'href="#rx-order-refills"' in rx_cell
    assert "2 fills left on this prescription" in rx_cell  # 3, less the one this open order holds
    assert prescription.reference in rx_cell and "Re-order" not in rx_cell


def test_the_only_fill_held_by_this_open_order_is_not_offered_as_a_refill(customer, rx_and_otc, pharmacist):
    order, rx, _ = rx_and_otc
    prescription = verify(submit(customer, rx, refills=0), pharmacist)
    Line.objects.filter(order=order, product=rx).update(prescription=prescription)
    rx_cell = line_cell(page(customer, order), "Isotretinoin 20 mg")
    assert "Order a refill" not in rx_cell and "Re-order" not in rx_cell


def test_a_used_up_prescription_offers_no_refill(customer, rx_and_otc, pharmacist):
    order, rx, _ = rx_and_otc
    prescription = verify(submit(customer, rx, refills=0), pharmacist)
    type(prescription).objects.filter(pk=prescription.pk).update(fills_used=1)
    Line.objects.filter(order=order, product=rx).update(prescription=prescription)
    rx_cell = line_cell(page(customer, order), "Isotretinoin 20 mg")
    assert "Order a refill" not in rx_cell and prescription.reference in rx_cell


def test_no_page_offers_a_review_of_a_prescription_medicine(customer, demo_shop):
    from tests.factories import product

    assert not product("RX-ISO-20").is_review_permitted(customer)
    assert product("OTC-LIPBALM").is_review_permitted(customer)


def test_the_lines_table_has_one_price_column(customer, rx_and_otc):
    """Three columns (item, quantity, price): oscar's five (two tax columns, an actions column)
    made the table 455 px wide on a 375 px phone. US prices carry no VAT split."""
    html = page(customer, rx_and_otc[0])
    table = html[html.index("rx-order-lines") : html.index("</thead>", html.index("rx-order-lines"))]
    assert table.count('<th scope="col"') == 3 and "excl. tax" not in html
