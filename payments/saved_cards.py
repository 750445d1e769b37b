"""Cards saved for payments made without the customer present (automatic refills).

A card is saved the way Stripe documents for later off-session payments: the account's
Stripe Customer, a SetupIntent with ``usage="off_session"`` confirmed with the card's
PaymentMethod, and the PaymentMethod attached to the Customer. rxshop keeps only what the
customer is shown (brand, last four digits, expiry) in ``SavedCard``.

The local test server differs from Stripe here (checked against localstripe 1.15.10, see
/work/shared/notes/LOCALSTRIPE.md): confirming the SetupIntent does not attach the card,
so it is attached explicitly when Stripe has not done it; ``setup_future_usage`` on a
PaymentIntent is refused, so cards are saved with a SetupIntent only; and a card that asks
for 3-D Secure leaves the SetupIntent in ``requires_action``. Such a card cannot pay
without its holder present, so it is refused here (and an off-session payment that asks
for authentication is a decline: ``services.authorise_off_session``).

Charging a saved card is ``services.authorise_off_session``.
"""

from __future__ import annotations

import logging

import stripe
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import cards
from .client import is_test_server, stripe_client
from .exceptions import CardNotSaved, PaymentGatewayUnavailable, PaymentNotAllowed
from .models import SavedCard, StripeCustomer

logger = logging.getLogger(__name__)

_TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


def stripe_customer_id(user) -> str:
    """The Stripe Customer of ``user``'s account, created at Stripe the first time."""
    known = StripeCustomer.objects.filter(user=user).values_list("customer_id", flat=True).first()
    if known:
        return known
    try:
        customer = stripe_client().v1.customers.create(
            params={"email": user.email or "", "metadata": {"account_id": str(user.pk)}},
            options={"idempotency_key": f"rxshop-customer-{user.pk}"},
        )
    except stripe.StripeError as exc:
        logger.warning("Account %s: Stripe Customer not created: %s", user.pk, exc)
        raise PaymentGatewayUnavailable(
            _("We could not reach our card processor; your card was not saved. Please try again in a moment.")
        ) from exc
    try:
        with transaction.atomic():
            StripeCustomer.objects.create(user=user, customer_id=customer.id)
    except IntegrityError:  # saved at the same moment in another window: use that one
        return StripeCustomer.objects.get(user=user).customer_id
    return customer.id


def save_card(*, user, payment_method: str) -> SavedCard:
    """Save a card of ``user`` for off-session payments; returns the ``SavedCard``.

    ``payment_method`` is a Stripe ``pm_…`` id (Stripe.js) or, with the local test server
    only, a test-card choice (``cards.choice_for``), as at checkout. Raises ``CardNotSaved``
    (declined, or the bank wants each payment confirmed), ``PaymentNotAllowed`` (no usable
    card given) or ``PaymentGatewayUnavailable``.
    """
    test_card = cards.card_for_choice(payment_method or "")
    if test_card is not None and not is_test_server():
        raise PaymentNotAllowed(_("Test cards can only be used with the local test server."))
    if test_card is None and not (payment_method or "").startswith("pm_"):
        raise PaymentNotAllowed(_("Enter your card details."))
    customer_id = stripe_customer_id(user)
    client = stripe_client()
    try:
        method_id = cards.create_payment_method(test_card) if test_card is not None else payment_method
        setup = client.v1.setup_intents.create(
            params={
                "customer": customer_id,
                "usage": "off_session",
                "payment_method_types": ["card"],
                "metadata": {"account_id": str(user.pk)},
            }
        )
        setup = client.v1.setup_intents.confirm(setup.id, params={"payment_method": method_id})
        if setup.status == "requires_action":
            _cancel_setup(client, setup.id)
            raise CardNotSaved(
                _(
                    "Your bank asks you to confirm each payment with this card, so it cannot pay for "
                    "automatic refills. Please use another card."
                ),
                code="authentication_required",
            )
        if setup.status != "succeeded":
            raise CardNotSaved(_("This card could not be saved. Please use another card."))
        method = client.v1.payment_methods.retrieve(method_id)
        if getattr(method, "customer", None) != customer_id:
            # Stripe attaches the card when the SetupIntent succeeds; the local test server does not.
            method = client.v1.payment_methods.attach(method_id, params={"customer": customer_id})
    except stripe.CardError as exc:
        decline = (exc.error.decline_code if exc.error is not None else None) or exc.code or "card_declined"
        logger.info("Account %s: card not saved (%s)", user.pk, decline)
        raise CardNotSaved(
            _("Your bank declined this card, so it was not saved. Please use another card."), code=decline
        ) from exc
    except stripe.StripeError as exc:
        logger.warning("Account %s: card not saved: %s", user.pk, exc)
        if isinstance(exc, _TRANSIENT):
            raise PaymentGatewayUnavailable(
                _("We could not reach our card processor; your card was not saved. Please try again in a moment.")
            ) from exc
        raise CardNotSaved(_("This card could not be saved. Please use another card.")) from exc
    card = method.card
    saved, _created = SavedCard.objects.update_or_create(
        payment_method_id=method.id,
        defaults={
            "user": user,
            "customer_id": customer_id,
            "setup_intent_id": setup.id,
            "brand": getattr(card, "brand", "") or "",
            "last4": getattr(card, "last4", "") or "",
            "exp_month": getattr(card, "exp_month", None),
            "exp_year": getattr(card, "exp_year", None),
            "removed_at": None,
        },
    )
    return saved


def _cancel_setup(client, setup_id: str) -> None:
    try:
        client.v1.setup_intents.cancel(setup_id)
    except stripe.StripeError as exc:  # it expires by itself; nothing was saved
        logger.warning("SetupIntent %s not cancelled: %s", setup_id, exc)


def active_cards(user):
    """The account's saved cards that were not removed, newest first."""
    return SavedCard.objects.filter(user=user, removed_at__isnull=True)


def remove_card(*, card: SavedCard) -> SavedCard:
    """Detach the card at Stripe and mark it removed; it can no longer be charged. Safe twice."""
    if card.removed_at is not None:
        return card
    try:
        stripe_client().v1.payment_methods.detach(card.payment_method_id)
    except stripe.StripeError as exc:
        if isinstance(exc, _TRANSIENT):
            raise PaymentGatewayUnavailable(
                _("We could not reach our card processor; your card was not removed. Please try again in a moment.")
            ) from exc
        logger.warning("PaymentMethod %s not detached: %s", card.payment_method_id, exc)
    card.removed_at = timezone.now()
    card.save(update_fields=["removed_at"])
    return card
