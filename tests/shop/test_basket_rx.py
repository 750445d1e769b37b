"""Over-the-counter items are never held back by a prescription item."""

from __future__ import annotations

import pytest
from oscar.core.loading import get_model

from tests.factories import add_to_basket

Basket = get_model("basket", "Basket")
pytestmark = pytest.mark.django_db


def test_otc_items_are_not_held_back_by_a_prescription_item(alice_client):
    add_to_basket(alice_client, "RX-ISO-20")
    add_to_basket(alice_client, "OTC-LIPBALM")
    assert b"Buy the other items now" in alice_client.get("/basket/").content
    response = alice_client.post("/pharmacy/basket/buy-other-items-now/")
    assert response.status_code == 302
    open_basket = Basket.open.get(owner__email="alice@example.com")
    assert [line.product.upc for line in open_basket.all_lines()] == ["OTC-LIPBALM"]
    saved = Basket.saved.get(owner__email="alice@example.com")
    assert [line.product.upc for line in saved.all_lines()] == ["RX-ISO-20"]
    assert alice_client.get("/checkout/shipping-address/").status_code == 200  # no longer refused


def test_buy_other_items_now_needs_a_post(alice_client):
    assert alice_client.get("/pharmacy/basket/buy-other-items-now/").status_code == 405


def test_a_basket_of_only_prescription_items_offers_no_split(alice_client):
    add_to_basket(alice_client, "RX-ISO-20")
    assert b"Buy the other items now" not in alice_client.get("/basket/").content


def test_a_saved_line_moved_back_onto_the_same_product_keeps_its_prescription(alice_client, alice):
    """Oscar merges two lines of one product by deleting the moved one; the prescription the
    customer attached to it must not go with it."""
    from tests.prescriptions.conftest import submit

    Line = get_model("basket", "Line")
    add_to_basket(alice_client, "RX-ISO-20")
    add_to_basket(alice_client, "OTC-LIPBALM")
    line = Line.objects.get(basket__owner=alice, product__upc="RX-ISO-20")
    prescription = submit(alice, "RX-ISO-20", basket_line=line)
    alice_client.post("/pharmacy/basket/buy-other-items-now/")  # the isotretinoin waits in "saved"
    saved_line = Basket.saved.get(owner=alice).lines.get()
    assert saved_line.prescription_id == prescription.pk
    add_to_basket(alice_client, "RX-ISO-20")  # the same product again, without a prescription
    open_basket = Basket.open.get(owner=alice)
    open_basket.merge_line(saved_line)  # "Move to basket"
    merged = open_basket.lines.get(product__upc="RX-ISO-20")
    assert merged.prescription_id == prescription.pk
