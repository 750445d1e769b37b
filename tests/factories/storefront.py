"""Driving the storefront through a test client: the demo catalogue by UPC, the basket and
the checkout, as a customer does in the browser."""

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


def checkout_to_preview(client, address: dict | None = None, card: str | None = "visa"):
    """Walk the checkout up to the preview page; returns the last response.

    ``card`` is the test card chosen on the payment page (the local test
    server's chooser): "visa" authorises, "declined" is declined by the bank,
    "3ds" asks for 3-D Secure. ``None`` chooses no card.
    """
    client.get("/checkout/")
    response = client.post("/checkout/shipping-address/", {**US_ADDRESS, **(address or {})})
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    client.get("/checkout/shipping-method/", follow=True)
    client.get("/checkout/payment-method/", follow=True)
    if card is not None:
        response = choose_test_card(client, card)
        assert response.status_code == 302 and response["Location"] == "/checkout/preview/", response
    return client.get("/checkout/preview/", follow=True)


def choose_test_card(client, card: str):
    """Submit the payment page with one of the test cards."""
    return client.post("/checkout/preview/", {"test_card": card})


def place_order(client):
    return client.post("/checkout/preview/", {"action": "place_order"})


def answer_3d_secure(client, outcome: str):
    """On the 3-D Secure page: "success", "fail" or "cancel"."""
    return client.post("/stripe/authenticate/", {"outcome": outcome})
