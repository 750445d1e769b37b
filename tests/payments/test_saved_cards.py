"""Saved cards for automatic refills: a SetupIntent (off-session use) attaches the card to the
account's Stripe Customer; an off-session authorisation is recorded as checkout records one,
so the dispense step captures it; a declined card raises ``CardDeclined`` with Stripe's code.

Test cards at the local test server: 4242 saves and authorises; 0341 saves but is declined
when charged; 0002 is declined when saved; 3155 asks for 3-D Secure."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from payments import cards, saved_cards, services
from payments.client import stripe_client
from payments.exceptions import AuthenticationRequired, CardDeclined, CardNotSaved
from payments.models import PaymentAuthorisation, SavedCard, StripeCustomer

pytestmark = pytest.mark.django_db

State = PaymentAuthorisation.State


def raw_card(number: str) -> str:
    """A PaymentMethod made from a raw test number (the local test server only)."""
    return (
        stripe_client()
        .v1.payment_methods.create(
            params={"type": "card", "card": {"number": number, "exp_month": 12, "exp_year": 2034, "cvc": "123"}}
        )
        .id
    )


def test_saving_a_card_attaches_it_to_the_accounts_stripe_customer_and_keeps_no_number(localstripe, customer):
    card = saved_cards.save_card(user=customer, payment_method=cards.choice_for("visa"))

    assert (card.brand, card.last4, card.exp_month, card.exp_year) == ("visa", "4242", 12, 2034)
    assert card.label == "Visa •••• 4242" and card.removed_at is None
    customer_id = StripeCustomer.objects.get(user=customer).customer_id
    assert card.customer_id == customer_id
    method = stripe_client().v1.payment_methods.retrieve(card.payment_method_id)
    assert method.customer == customer_id  # attached, whatever the server did at confirm
    assert stripe_client().v1.setup_intents.retrieve(card.setup_intent_id).status == "succeeded"
    # A second card for the same account uses the same Stripe Customer.
    second = saved_cards.save_card(user=customer, payment_method=raw_card("4000000000000341"))
    assert second.customer_id == customer_id and StripeCustomer.objects.count() == 1
    assert "4242424242424242" not in str(list(SavedCard.objects.values()))


def test_a_card_declined_when_saved_or_asking_for_3d_secure_is_not_saved(localstripe, customer):
    with pytest.raises(CardNotSaved) as declined:
        saved_cards.save_card(user=customer, payment_method=raw_card("4000000000000002"))
    assert declined.value.code == "card_declined" and "declined" in str(declined.value)
    with pytest.raises(CardNotSaved) as needs_3ds:
        saved_cards.save_card(user=customer, payment_method=raw_card("4000002500003155"))
    assert needs_3ds.value.code == "authentication_required"
    assert not SavedCard.objects.exists()


def test_an_off_session_authorisation_is_recorded_as_checkout_records_one_and_reused(localstripe, customer):
    card = saved_cards.save_card(user=customer, payment_method=cards.choice_for("visa"))

    authorisation = services.authorise_off_session(order_number="200001", amount=D("24.00"), currency="USD", card=card)

    assert authorisation.state == State.AUTHORISED and authorisation.saved_card == card
    assert authorisation.amount_authorised == D("24.00") and authorisation.expires_at is not None
    intent = stripe_client().v1.payment_intents.retrieve(authorisation.intent_id)
    assert intent.status == "requires_capture" and intent.customer == card.customer_id
    assert intent.metadata["off_session"] == "true"
    # Asked again for the same order (a retried job), the same authorisation: no second hold.
    again = services.authorise_off_session(order_number="200001", amount=D("24.00"), currency="USD", card=card)
    assert again.pk == authorisation.pk and PaymentAuthorisation.objects.count() == 1


def test_a_card_declined_off_session_raises_with_stripes_code_and_is_kept_on_record(localstripe, customer):
    card = saved_cards.save_card(user=customer, payment_method=cards.choice_for("declined"))  # 0341

    with pytest.raises(CardDeclined) as declined:
        services.authorise_off_session(order_number="200002", amount=D("24.00"), currency="USD", card=card)

    assert declined.value.decline_code == "card_declined"
    failed = PaymentAuthorisation.objects.get(order_number="200002")
    assert failed.state == State.FAILED and failed.saved_card == card
    assert failed.log.get().action == "decline"


def test_a_card_asking_for_3d_secure_off_session_is_declined_and_the_intent_cancelled(localstripe, customer):
    # Saved elsewhere (real Stripe may exempt a card from 3-D Secure when it is set up, then ask later).
    customer_id = saved_cards.stripe_customer_id(customer)
    method = raw_card("4000002500003155")
    stripe_client().v1.payment_methods.attach(method, params={"customer": customer_id})
    card = SavedCard.objects.create(
        user=customer, customer_id=customer_id, payment_method_id=method, brand="visa", last4="3155"
    )

    with pytest.raises(AuthenticationRequired):
        services.authorise_off_session(order_number="200003", amount=D("24.00"), currency="USD", card=card)

    authorisation = PaymentAuthorisation.objects.get(order_number="200003")
    assert authorisation.state == State.VOIDED
    assert stripe_client().v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"


def test_a_removed_card_is_detached_and_cannot_be_charged(localstripe, customer):
    card = saved_cards.save_card(user=customer, payment_method=cards.choice_for("visa"))
    saved_cards.remove_card(card=card)
    assert card.removed_at is not None
    assert stripe_client().v1.payment_methods.retrieve(card.payment_method_id).customer is None
    assert list(saved_cards.active_cards(customer)) == []
    with pytest.raises(services.PaymentNotAllowed):
        services.authorise_off_session(order_number="200004", amount=D("24.00"), currency="USD", card=card)
