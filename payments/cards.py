"""Stripe's published test cards, for the local test server only.

With localstripe there is no Stripe.js to enter a card, so the checkout offers a
labelled chooser instead and the server turns the chosen test card into a
PaymentMethod. A raw card number is never sent anywhere else: with real Stripe
the card is entered in Stripe.js and rxshop only ever sees a ``pm_…`` id.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .client import is_test_server, stripe_client


@dataclass(frozen=True)
class StripeTestCard:
    key: str
    label: str
    number: str

    @property
    def last4(self) -> str:
        return self.number[-4:]


TEST_CARDS: dict[str, StripeTestCard] = {
    card.key: card
    for card in (
        StripeTestCard("visa", _("Visa 4242 4242 4242 4242 — authorises"), "4242424242424242"),
        StripeTestCard("declined", _("Visa 4000 0000 0000 0341 — declined by the bank"), "4000000000000341"),
        StripeTestCard("3ds", _("Visa 4000 0025 0000 3155 — asks for 3-D Secure"), "4000002500003155"),
    )
}
PREFIX = "test-card:"


class NotATestServer(Exception):
    """A test card was offered while rxshop talks to real Stripe."""


def choice_for(key: str) -> str:
    """What the checkout session stores for a chosen test card."""
    return PREFIX + TEST_CARDS[key].key


def card_for_choice(choice: str) -> StripeTestCard | None:
    if not choice.startswith(PREFIX):
        return None
    return TEST_CARDS.get(choice.removeprefix(PREFIX))


def create_payment_method(card: StripeTestCard) -> str:
    """A PaymentMethod made from the raw test card number; test server only."""
    if not is_test_server():
        raise NotATestServer("Raw card numbers are only used with the local test server.")
    method = stripe_client().v1.payment_methods.create(
        params={
            "type": "card",
            "card": {"number": card.number, "exp_month": 12, "exp_year": 2034, "cvc": "123"},
        }
    )
    return method.id
