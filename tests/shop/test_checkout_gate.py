"""The prescription gate in checkout: refused on the server at every step."""

from __future__ import annotations

import pytest
from django.core import mail
from oscar.core.loading import get_model

from payments.models import PaymentAuthorisation
from prescriptions.orders import OrderStatus
from tests.factories import add_to_basket, checkout_to_preview, place_order

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

CHECKOUT_STEPS = [
    "/checkout/",
    "/checkout/shipping-address/",
    "/checkout/shipping-method/",
    "/checkout/payment-method/",
    "/checkout/payment-details/",
    "/checkout/preview/",
]


def test_basket_says_why_a_prescription_item_cannot_be_bought_yet(alice_client):
    add_to_basket(alice_client, "RX-ISO-20")
    html = alice_client.get("/basket/").content.decode()
    assert "Prescription items in your basket" in html
    assert "No prescription is attached to this item yet" in html
    assert "Upload your prescription" in html


@pytest.mark.parametrize("url", CHECKOUT_STEPS)
def test_every_checkout_step_refuses_a_prescription_item(alice_client, url):
    add_to_basket(alice_client, "RX-ISO-20")
    response = alice_client.get(url)
    assert response.status_code == 302
    assert response["Location"] == "/basket/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Isotretinoin 20 mg" in m and "prescription" in m for m in messages)


def test_direct_post_to_place_order_with_a_prescription_item_places_nothing(alice_client):
    add_to_basket(alice_client, "RX-ISO-20")
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/basket/"
    assert Order.objects.count() == 0
    assert PaymentAuthorisation.objects.count() == 0, "no card may be authorised for it either"


def test_basket_edited_after_the_checks_is_refused_at_place_order(alice_client):
    add_to_basket(alice_client, "OTC-LIPBALM")
    preview = checkout_to_preview(alice_client)
    assert preview.status_code == 200 and b"Place order" in preview.content
    add_to_basket(alice_client, "RX-ISO-20")  # sneaked in after the preview was shown
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/basket/"
    assert Order.objects.count() == 0
    assert PaymentAuthorisation.objects.count() == 0, "refused before the card is touched"


def test_otc_only_order_goes_through_and_its_email_is_sent_through_celery(
    alice_client,
    localstripe,
    django_capture_on_commit_callbacks,
):
    add_to_basket(alice_client, "OTC-LIPBALM", quantity=2)
    add_to_basket(alice_client, "OTC-SPF50")
    checkout_to_preview(alice_client)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.user.email == "alice@example.com"
    assert order.shipping_address.state == "NY"
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    assert order.payment_authorisations.get().state == PaymentAuthorisation.State.AUTHORISED
    assert callbacks, "the e-mail must be enqueued on commit, not during the request"
    assert len(mail.outbox) == 1
    assert order.number in mail.outbox[0].subject + mail.outbox[0].body
    assert mail.outbox[0].to == ["alice@example.com"]


def test_order_email_task_sends_once_when_delivered_twice(
    alice_client, localstripe, django_capture_on_commit_callbacks
):
    from shop.storefront.tasks import send_order_placed_email

    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    with django_capture_on_commit_callbacks(execute=True):
        place_order(alice_client)
    order = Order.objects.get()
    assert send_order_placed_email(order.pk) is False  # a redelivery of the same task
    assert len(mail.outbox) == 1


def test_shipping_address_state_must_be_a_us_state(alice_client):
    add_to_basket(alice_client, "OTC-LIPBALM")
    alice_client.get("/checkout/")
    response = alice_client.post(
        "/checkout/shipping-address/",
        {
            "first_name": "A",
            "last_name": "B",
            "line1": "1 Main St",
            "line4": "Town",
            "state": "Narnia",
            "postcode": "10001",
        },
    )
    assert response.status_code == 200
    assert "state" in response.context["form"].errors
