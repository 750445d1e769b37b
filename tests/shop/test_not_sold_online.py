"""A controlled substance the pharmacy does not sell online (``compliance.online.sold_online``):
its page says why and what to do instead, with no basket, wish list or stock-alert
form, and the server refuses every route that would put it in a basket or promise
it, whatever the browser sends."""

from __future__ import annotations

import pytest
from django.conf import settings
from oscar.core.loading import get_class, get_model

from tests.factories import add_to_basket, product

Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
ProductAlert = get_model("customer", "ProductAlert")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db

PHONE = settings.RXSHOP_PHARMACY["phone"]


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def test_page_says_why_and_what_to_do_with_no_basket_wishlist_or_alert_form(client, demo_shop):
    html = client.get(product("RX-TRAM-50").get_absolute_url()).content.decode()
    assert "Not sold online" in html and "controlled substance" in html
    assert PHONE in html and "pharmacy in person" in html
    assert 'id="add_to_basket_form"' not in html
    assert "/basket/add/" not in html
    assert 'id="alert_form"' not in html and "Notify me" not in html
    assert "Add to wish list" not in html and "/wishlists/" not in html


def test_signed_in_customer_sees_no_wishlist_or_alert_either(alice_client):
    html = alice_client.get(product("RX-TRAM-50").get_absolute_url()).content.decode()
    assert "Notify me" not in html and "/alerts/create/" not in html
    assert "Add to wish list" not in html and "Create a new wishlist" not in html


def test_catalogue_card_offers_no_basket_button(client, demo_shop):
    html = client.get("/catalogue/").content.decode()
    tramadol = product("RX-TRAM-50")
    assert f"/basket/add/{tramadol.pk}/" not in html
    assert "Not sold online" in html


def test_basket_add_post_is_refused_with_the_reason(alice_client):
    response = add_to_basket(alice_client, "RX-TRAM-50")
    assert not BasketLine.objects.filter(product__upc="RX-TRAM-50").exists()
    said = messages_of(response)
    assert "controlled substance" in said and PHONE in said


def test_basket_quantity_change_of_a_controlled_line_is_refused(alice_client, alice):
    # However it got there (added before the product was scheduled, merged from another basket...).
    add_to_basket(alice_client, "OTC-LIPBALM")
    basket = Basket.objects.get(owner=alice, status=Basket.OPEN)
    basket.strategy = Selector().strategy(user=alice)
    tramadol = product("RX-TRAM-50")
    basket.add_product(tramadol, 1)
    line = basket.lines.get(product=tramadol)
    lines = list(basket.lines.order_by("pk"))
    data = {
        "form-TOTAL_FORMS": len(lines),
        "form-INITIAL_FORMS": len(lines),
        "form-MIN_NUM_FORMS": 0,
        "form-MAX_NUM_FORMS": 1000,
    }
    for i, each in enumerate(lines):
        data[f"form-{i}-id"] = each.pk
        data[f"form-{i}-quantity"] = 3 if each.pk == line.pk else each.quantity
    response = alice_client.post("/basket/", data)
    line.refresh_from_db()
    assert line.quantity == 1
    html = response.content.decode() if response.status_code == 200 else messages_of(response)
    assert "controlled substance" in html


def test_stock_alert_for_a_controlled_substance_is_refused(alice_client):
    tramadol = product("RX-TRAM-50")
    response = alice_client.post(f"/accounts/alerts/create/{tramadol.pk}/", {"email": ""})
    assert ProductAlert.objects.filter(product=tramadol).count() == 0
    html = response.content.decode() if response.status_code == 200 else messages_of(response)
    assert "controlled substance" in html and PHONE in html


def test_anonymous_stock_alert_for_a_controlled_substance_is_refused(client, demo_shop):
    tramadol = product("RX-TRAM-50")
    client.post(f"/accounts/alerts/create/{tramadol.pk}/", {"email": "someone@example.com"})
    assert ProductAlert.objects.filter(product=tramadol).count() == 0


def test_stock_alert_for_an_ordinary_product_still_works(alice_client):
    lipbalm = product("OTC-LIPBALM")
    alice_client.post(f"/accounts/alerts/create/{lipbalm.pk}/", {"email": ""})
    assert ProductAlert.objects.filter(product=lipbalm).count() == 1
