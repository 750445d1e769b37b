"""The card at checkout, through oscar's checkout with the test client and a real localstripe."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from oscar.core.loading import get_class, get_model

from payments import services
from payments.models import PaymentAuthorisation
from prescriptions.orders import OrderStatus, initial_order_status
from tests.factories import (
    add_to_basket,
    answer_3d_secure,
    checkout_to_preview,
    choose_test_card,
    place_order,
    product,
)
from tests.factories.orders import ship

Basket = get_model("basket", "Basket")
Selector = get_class("partner.strategy", "Selector")
Order = get_model("order", "Order")
PaymentEvent = get_model("order", "PaymentEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def open_basket(user):
    basket = Basket.open.get(owner=user)
    basket.strategy = Selector().strategy(user=user)
    return basket


def intents(stripe_v1) -> list:
    return stripe_v1.payment_intents.list(params={"limit": 100}).data


def test_payment_page_offers_labelled_test_cards_against_the_local_server(alice_client, localstripe):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client, card=None)
    html = alice_client.get("/checkout/payment-details/").content.decode()
    assert "Test mode — no real card is charged." in html
    for number in ("4242 4242 4242 4242", "4000 0000 0000 0341", "4000 0025 0000 3155"):
        assert number in html
    assert "js.stripe.com" not in html


def test_preview_needs_a_card_first(alice_client, localstripe):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client, card=None)
    response = alice_client.get("/checkout/preview/")
    assert response.status_code == 302 and response["Location"] == "/checkout/payment-details/"
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/payment-details/"
    assert Order.objects.count() == 0


def test_otc_checkout_authorises_then_shipping_captures(alice_client, alice, pharmacist, localstripe, stripe_v1):
    add_to_basket(alice_client, "OTC-LIPBALM", quantity=2)
    preview = checkout_to_preview(alice_client, card="visa")
    assert "Test card Visa 4242" in preview.content.decode()

    response = place_order(alice_client)

    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.status == OrderStatus.AWAITING_SHIPMENT
    authorisation = order.payment_authorisations.get()
    assert authorisation.state == State.AUTHORISED
    assert authorisation.amount_authorised == order.total_incl_tax > 0
    source = order.sources.get()
    assert (source.source_type.name, source.reference) == ("Stripe", authorisation.intent_id)
    assert (source.amount_allocated, source.amount_debited) == (order.total_incl_tax, D("0.00"))
    assert [(e.event_type.name, e.amount) for e in order.payment_events.all()] == [("Authorised", order.total_incl_tax)]
    [intent] = intents(stripe_v1)
    assert (intent.id, intent.status, intent.capture_method) == (authorisation.intent_id, "requires_capture", "manual")

    ship(order, pharmacist)

    order.refresh_from_db()
    authorisation.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert (authorisation.state, authorisation.amount_captured) == (State.CAPTURED, order.total_incl_tax)
    assert order.sources.get().amount_debited == order.total_incl_tax
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "succeeded"


def test_a_basket_with_a_prescription_line_waits_for_the_pharmacist(alice_client, alice):
    """The gate keeps such baskets out of checkout today; the status is decided for when it lets them in."""
    add_to_basket(alice_client, "OTC-LIPBALM")
    basket = open_basket(alice)
    assert initial_order_status(basket) == OrderStatus.AWAITING_SHIPMENT
    basket.add_product(product("RX-ISO-20"))
    assert initial_order_status(basket) == OrderStatus.AWAITING_DISPENSE


def test_declined_card_shows_the_bank_message_and_places_no_order(alice_client, alice, localstripe):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client, card="declined")

    response = place_order(alice_client)

    assert response.status_code == 200
    html = response.content.decode()
    assert "Your card was declined." in html and "No payment has been taken" in html
    assert Order.objects.count() == 0
    assert open_basket(alice).num_items == 1, "the basket is given back to the customer"
    assert PaymentAuthorisation.objects.get().state == State.FAILED

    # Another card then works, with a new attempt.
    choose_test_card(alice_client, "visa")
    response = place_order(alice_client)
    assert response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.payment_authorisations.get().attempt == 2


def test_3d_secure_completed_places_the_order(alice_client, localstripe, stripe_v1):
    add_to_basket(alice_client, "OTC-SPF50")
    checkout_to_preview(alice_client, card="3ds")

    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/stripe/authenticate/"
    assert Order.objects.count() == 0
    page = alice_client.get("/stripe/authenticate/").content.decode()
    assert "Complete authentication" in page and "Fail authentication" in page

    response = answer_3d_secure(alice_client, "success")

    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    authorisation = order.payment_authorisations.get()
    assert authorisation.state == State.AUTHORISED
    assert [intent.id for intent in intents(stripe_v1)] == [authorisation.intent_id]
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"


def test_3d_secure_failed_places_no_order(alice_client, alice, localstripe):
    add_to_basket(alice_client, "OTC-SPF50")
    checkout_to_preview(alice_client, card="3ds")
    place_order(alice_client)

    response = answer_3d_secure(alice_client, "fail")

    assert response.status_code == 302 and response["Location"] == "/checkout/payment-details/"
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("3-D Secure failed" in m and "No payment has been taken" in m for m in messages)
    assert Order.objects.count() == 0
    assert PaymentAuthorisation.objects.get().state == State.FAILED
    assert open_basket(alice).num_items == 1


def test_3d_secure_cancelled_voids_the_intent(alice_client, localstripe, stripe_v1):
    add_to_basket(alice_client, "OTC-SPF50")
    checkout_to_preview(alice_client, card="3ds")
    place_order(alice_client)

    response = answer_3d_secure(alice_client, "cancel")

    assert response["Location"] == "/checkout/payment-details/"
    assert Order.objects.count() == 0
    authorisation = PaymentAuthorisation.objects.get()
    assert authorisation.state == State.VOIDED
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"


def test_place_order_submitted_twice_makes_one_order_and_one_intent(alice_client, localstripe, stripe_v1):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)

    first = place_order(alice_client)
    second = place_order(alice_client)

    assert first["Location"] == "/checkout/thank-you/"
    assert second.status_code == 302 and second["Location"] != "/checkout/thank-you/"
    assert Order.objects.count() == 1
    assert len(intents(stripe_v1)) == 1
    assert PaymentAuthorisation.objects.count() == 1


def test_a_retry_after_a_lost_first_submission_reuses_its_intent(alice_client, alice, localstripe, stripe_v1):
    """The first "Place order" authorised the card but never placed the order (the request died):
    the second one pays with the same intent instead of authorising the card twice."""
    add_to_basket(alice_client, "OTC-LIPBALM")
    preview = checkout_to_preview(alice_client)
    total = preview.context["order_total"]
    order_number = str(100000 + open_basket(alice).id)  # oscar's OrderNumberGenerator
    first = services.authorise_payment(
        order_number=order_number,
        amount=total.incl_tax,
        currency=total.currency,
        payment_method="test-card:visa",
        actor=alice,
    )

    response = place_order(alice_client)

    assert response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.number == order_number
    assert order.payment_authorisations.get().intent_id == first.intent_id
    assert len(intents(stripe_v1)) == 1


def test_order_placement_failing_after_authorisation_voids_the_intent(
    alice_client, alice, localstripe, stripe_v1, monkeypatch
):
    from oscar.apps.checkout import mixins

    def broken(*args, **kwargs):
        raise RuntimeError("database went away")

    monkeypatch.setattr(mixins.OrderCreator, "create_line_models", broken)
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)

    response = place_order(alice_client)

    assert response.status_code == 200
    assert "A problem occurred while placing this order" in response.content.decode()
    assert Order.objects.count() == 0
    authorisation = PaymentAuthorisation.objects.get()
    assert authorisation.state == State.VOIDED
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"
    assert open_basket(alice).num_items == 1


def test_coming_back_to_an_expired_3d_secure_page_gives_the_basket_back(alice_client, alice, localstripe):
    add_to_basket(alice_client, "OTC-SPF50")
    checkout_to_preview(alice_client, card="3ds")
    place_order(alice_client)
    authorisation = PaymentAuthorisation.objects.get()
    services.cancel_unplaced_authorisation(
        order_number=authorisation.order_number,
        actor=None,
        reason="The checkout was abandoned before the order was placed.",
    )

    response = alice_client.get("/stripe/authenticate/")

    assert response.status_code == 302 and response["Location"] == "/checkout/payment-details/"
    assert open_basket(alice).num_items == 1
    assert Order.objects.count() == 0


def test_with_real_stripe_the_card_is_entered_in_stripe_js_for_a_held_payment(alice_client, localstripe, settings):
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client, card=None)
    settings.STRIPE_API_BASE = ""  # real Stripe: no test cards, the card element instead
    html = alice_client.get("/checkout/payment-details/").content.decode()
    assert "js.stripe.com/v3/" in html and 'mode: "payment"' in html and 'captureMethod: "manual"' in html
    assert "4242 4242 4242 4242" not in html
