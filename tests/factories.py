"""Builders for test data, on top of oscar's factories."""
from __future__ import annotations

from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")


def product(upc: str) -> Product:
    """A product of the demo catalogue by its UPC (e.g. ``RX-ISO-20``, ``OTC-LIPBALM``)."""
    return Product.objects.get(upc=upc)


def add_to_basket(client, upc: str, quantity: int = 1):
    item = product(upc)
    return client.post(f"/basket/add/{item.pk}/", {"quantity": quantity})


US_ADDRESS = {
    "first_name": "Alice",
    "last_name": "Moreno",
    "line1": "22 Jay Street",
    "line4": "Brooklyn",
    "state": "NY",
    "postcode": "11201",
    "phone_number": "+12125550100",
}


def checkout_to_preview(client, address: dict | None = None):
    """Walk the checkout up to the preview page; returns the last response."""
    client.get("/checkout/")
    response = client.post("/checkout/shipping-address/", {**US_ADDRESS, **(address or {})})
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    client.get("/checkout/shipping-method/", follow=True)
    client.get("/checkout/payment-method/", follow=True)
    return client.get("/checkout/preview/", follow=True)


def place_order(client):
    return client.post("/checkout/preview/", {"action": "place_order"})
