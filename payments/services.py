"""Card money for rxshop: authorise at checkout, capture when the medicine goes out.

Money follows the medicine. The card is authorised for the whole order at
checkout (one PaymentIntent, manual capture) and captured only when the
pharmacist dispenses (orders with a prescription line) or when the order ships
(over-the-counter only), and then only for what actually goes out.

Every action is one function here: keyword-only, one transaction, the acting
user recorded (``None`` for the system), the order and its authorisation locked
with ``select_for_update``. rxshop's records (``PaymentAuthorisation``, oscar's
``Source`` and ``PaymentEvent``) are the source of truth, so the money rules are
enforced here, before Stripe is asked, whatever the Stripe server would let
through (localstripe captures after a cancel and refunds above the captured
amount; rxshop refuses both).

Payments is a leaf below prescriptions: it never sets an order's status.
``prescriptions.fulfilment`` (ship, cancel, the authorisation-expiry job) and
``prescriptions.dispensing`` call these functions for the money and then move
the order through the order-status door (``prescriptions.orders``). What
payments learns by itself — Stripe cancelled an authorisation — it announces
with the ``payments.signals.authorisation_voided`` signal.

Stripe calls carry an idempotency key derived from the order number, the
attempt and the amount; the SDK re-sends the same key when it retries a timeout
or a 5xx. A Stripe error never leaves a record saying money moved when it did
not: after an error the PaymentIntent is read back, and only what Stripe shows
as done is recorded.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

import stripe
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Max, Sum
from django.template.loader import render_to_string
from django.utils import timezone
from oscar.apps.order.processing import EventHandler as OscarEventHandler
from oscar.core.loading import get_model

from infra import outbox
from infra.notifications import send_once

from . import cards
from .client import from_minor_units, is_test_server, stripe_client, to_minor_units
from .exceptions import (
    AuthenticationRequired,
    CardDeclined,
    NoPaymentForOrder,
    PaymentGatewayUnavailable,
    PaymentNotAllowed,
)
from .models import PaymentAuthorisation, PaymentLogEntry, Refund, RefundReason, SavedCard
from .selectors import authorisation_for

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser

    Actor = AbstractBaseUser | None

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")

State = PaymentAuthorisation.State
Action = PaymentLogEntry.Action

# Oscar payment event types and source type.
AUTHORISED, CAPTURED, VOIDED, REFUNDED = "Authorised", "Captured", "Voided", "Refunded"
SOURCE_TYPE = "Stripe"

# Void an uncaptured authorisation this long before Stripe would cancel it.
VOID_BEFORE_EXPIRY = timezone.timedelta(hours=12)

EXPAND = ["latest_charge", "payment_method"]
_TRANSIENT = (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError)


# --- Checkout: authorise ------------------------------------------------------------


def authorise_payment(
    *,
    order_number: str,
    amount: Decimal,
    currency: str,
    payment_method: str,
    actor: Actor,
) -> PaymentAuthorisation:
    """Authorise ``amount`` on the card for ``order_number``, or return the authorisation it already has.

    ``payment_method`` is a Stripe ``pm_…`` id (from Stripe.js) or, with the
    local test server only, a test-card choice (``cards.choice_for``).

    The returned authorisation is ``AUTHORISED`` or ``REQUIRES_ACTION`` (3-D
    Secure: send the customer to the authentication page). A repeated call for
    the same order number (a double-clicked "Place order", a retry after a lost
    answer) reuses the live authorisation instead of creating a second intent:
    localstripe ignores idempotency keys, so rxshop enforces this itself.

    Raises ``CardDeclined`` (the failed attempt is kept on record),
    ``PaymentNotAllowed`` (no usable card; the order is already paid for) or
    ``PaymentGatewayUnavailable``.
    """
    order_number = str(order_number)  # oscar generates it as an int
    _check_payment_method(payment_method)
    for _attempt in range(2):
        try:
            authorisation, problem = _authorise(
                order_number=order_number,
                amount=amount,
                currency=currency,
                payment_method=payment_method,
                actor=actor,
            )
        except IntegrityError:
            # A concurrent request claimed this order number first; reuse its authorisation.
            continue
        if problem is not None:
            raise problem
        return authorisation
    raise PaymentGatewayUnavailable("This order is already being paid for in another window.")


def _new_attempt(*, order_number, amount, currency, **fields) -> PaymentAuthorisation:
    """The next attempt's row for ``order_number``: it claims the order number (unique while
    live) before Stripe is called."""
    previous = PaymentAuthorisation.objects.filter(order_number=order_number).aggregate(n=Max("attempt"))["n"]
    return PaymentAuthorisation.objects.create(
        order_number=order_number,
        attempt=(previous or 0) + 1,
        currency=currency.lower(),
        amount_authorised=amount,
        state=State.PENDING,
        **fields,
    )


@transaction.atomic
def _authorise(*, order_number, amount, currency, payment_method, actor):
    live = _live_authorisation(order_number)
    if live is not None:
        if live.state in (State.PENDING, State.REQUIRES_ACTION):
            _refresh_from_stripe(live, actor=actor)
        if live.state == State.CAPTURED or live.order_id is not None:
            raise PaymentNotAllowed(f"Order {order_number} has already been placed and paid for.")
        if live.state in (State.AUTHORISED, State.REQUIRES_ACTION):
            if live.amount_authorised == amount and live.currency == currency.lower():
                return live, None
            # The order total changed since this authorisation (another shipping
            # method, say): it is not for this order any more.
            _cancel_at_stripe(live, reason="Order total changed before the order was placed.", actor=actor)

    authorisation = _new_attempt(order_number=order_number, amount=amount, currency=currency)
    key = f"rxshop-order-{order_number}-attempt-{authorisation.attempt}"
    client = stripe_client()
    try:
        method_id = _payment_method_id(payment_method)
        intent = client.v1.payment_intents.create(
            params={
                "amount": to_minor_units(amount, currency),
                "currency": currency.lower(),
                "payment_method": method_id,
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "metadata": {"order_number": order_number, "attempt": str(authorisation.attempt)},
                "expand": EXPAND,
            },
            options={"idempotency_key": f"{key}-create"},
        )
        authorisation.intent_id = intent.id
        authorisation.save(update_fields=["intent_id", "updated_at"])
        intent = client.v1.payment_intents.confirm(
            intent.id,
            params={"expand": EXPAND},
            options={"idempotency_key": f"{key}-confirm"},
        )
    except stripe.CardError as exc:
        message = exc.user_message or "Your card was declined."
        _set_state(
            authorisation, State.FAILED, action=Action.DECLINE, actor=actor, reason=message, failure_message=message
        )
        return authorisation, CardDeclined(f"{message} No payment has been taken; please try another card.")
    except stripe.StripeError as exc:
        if not isinstance(exc, _TRANSIENT):  # Stripe refused this card or request
            logger.warning("Order %s: card refused: %s", order_number, exc)
            _set_state(
                authorisation,
                State.FAILED,
                action=Action.DECLINE,
                actor=actor,
                reason=str(exc)[:255],
                failure_message="This card could not be used.",
            )
            return authorisation, CardDeclined(
                "This card could not be used. No payment has been taken; please try another card."
            )
        logger.warning("Order %s: authorisation failed: %s", order_number, exc)
        _set_state(
            authorisation,
            State.FAILED,
            action=Action.DECLINE,
            actor=actor,
            reason=str(exc)[:255],
            failure_message="Card payment is unavailable.",
        )
        return authorisation, PaymentGatewayUnavailable(
            "We could not reach our card processor; no payment has been taken. Please try again in a moment."
        )
    _apply_intent(authorisation, intent, actor=actor, action=Action.AUTHORISE)
    if authorisation.state == State.FAILED:
        return authorisation, CardDeclined(
            f"{authorisation.failure_message or 'Your card was declined.'} "
            "No payment has been taken; please try another card."
        )
    if authorisation.state not in (State.AUTHORISED, State.REQUIRES_ACTION):
        # E.g. "processing": not an authorisation yet. The next attempt reads it back.
        return authorisation, PaymentGatewayUnavailable(
            "Your card payment is still being processed; please try again in a moment."
        )
    return authorisation, None


def _check_payment_method(payment_method: str) -> None:
    if cards.card_for_choice(payment_method) is not None:
        if not is_test_server():
            # Never send a raw card number to real Stripe.
            raise PaymentNotAllowed("Test cards can only be used with the local test server.")
    elif not (payment_method or "").startswith("pm_"):
        raise PaymentNotAllowed("Choose a card to pay with.")


def _payment_method_id(payment_method: str) -> str:
    card = cards.card_for_choice(payment_method)
    if card is not None:
        return cards.create_payment_method(card)  # test server only
    return payment_method


# --- Automatic refills: authorise a saved card, the customer not present -------------------


def authorise_off_session(
    *,
    order_number: str,
    amount: Decimal,
    currency: str,
    card: SavedCard,
    actor: Actor = None,
) -> PaymentAuthorisation:
    """Authorise ``amount`` on a saved card for ``order_number`` with the customer not present
    (``off_session``), or return the authorisation it already has on that card.

    The same records as checkout's ``authorise_payment`` (a ``PaymentAuthorisation`` with
    manual capture, its log), so capture at dispense, void on cancel and the expiry job treat
    the order like any other; the caller records oscar's ``Source`` and "Authorised" event and
    ``attach_to_order`` once the order exists, as checkout does. The Stripe idempotency key is
    the order number and attempt.

    Raises ``CardDeclined`` with Stripe's ``decline_code`` (kept on record),
    ``AuthenticationRequired`` when the bank asks the absent customer to confirm (3-D Secure;
    the intent is cancelled), ``PaymentNotAllowed`` (a removed card; an order already paid for)
    or ``PaymentGatewayUnavailable``.
    """
    order_number = str(order_number)
    if card.removed_at is not None:
        raise PaymentNotAllowed("This saved card was removed; it cannot be charged.")
    authorisation, problem = _authorise_off_session(
        order_number=order_number, amount=amount, currency=currency, card=card, actor=actor
    )
    if problem is not None:
        raise problem
    return authorisation


@transaction.atomic
def _authorise_off_session(*, order_number, amount, currency, card, actor):
    live = _live_authorisation(order_number)
    if live is not None:
        if live.state == State.CAPTURED or live.order_id is not None:
            raise PaymentNotAllowed(f"Order {order_number} has already been placed and paid for.")
        if (
            live.state == State.AUTHORISED
            and live.saved_card_id == card.pk
            and live.amount_authorised == amount
            and live.currency == currency.lower()
        ):
            return live, None
        _cancel_at_stripe(live, reason="Replaced by an off-session authorisation of the saved card.", actor=actor)
    authorisation = _new_attempt(
        order_number=order_number, amount=amount, currency=currency, saved_card=card, card_label=card.label
    )
    key = f"rxshop-order-{order_number}-attempt-{authorisation.attempt}-off-session"
    client = stripe_client()
    try:
        intent = client.v1.payment_intents.create(
            params={
                "amount": to_minor_units(amount, currency),
                "currency": currency.lower(),
                "customer": card.customer_id,
                "payment_method": card.payment_method_id,
                "payment_method_types": ["card"],
                "capture_method": "manual",
                "confirm": True,
                "off_session": True,
                "metadata": {
                    "order_number": order_number,
                    "attempt": str(authorisation.attempt),
                    "off_session": "true",
                },
                "expand": EXPAND,
            },
            options={"idempotency_key": key},
        )
    except stripe.CardError as exc:
        decline = (exc.error.decline_code if exc.error is not None else None) or exc.code or "card_declined"
        message = exc.user_message or "The card was declined."
        _set_state(
            authorisation,
            State.FAILED,
            action=Action.DECLINE,
            actor=actor,
            reason=f"{message} ({decline})"[:255],
            failure_message=message[:255],
        )
        if exc.code == "authentication_required":
            return authorisation, AuthenticationRequired(
                "The bank asked for the card holder to confirm the payment.", decline_code=decline
            )
        return authorisation, CardDeclined(message, decline_code=decline)
    except stripe.StripeError as exc:
        logger.warning("Order %s: off-session authorisation failed: %s", order_number, exc)
        _set_state(
            authorisation,
            State.FAILED,
            action=Action.DECLINE,
            actor=actor,
            reason=str(exc)[:255],
            failure_message="Card payment is unavailable." if isinstance(exc, _TRANSIENT) else "Card refused.",
        )
        if isinstance(exc, _TRANSIENT):
            return authorisation, PaymentGatewayUnavailable("We could not reach our card processor.")
        return authorisation, CardDeclined("This card could not be used.", decline_code=exc.code or "")
    if authorisation.intent_id is None:
        authorisation.intent_id = intent.id
    _apply_intent(authorisation, intent, actor=actor, action=Action.AUTHORISE)
    if authorisation.state == State.REQUIRES_ACTION:
        # Nobody is there to confirm: release the intent and treat it as declined.
        _cancel_at_stripe(authorisation, reason="Off-session: the bank asked for 3-D Secure.", actor=actor)
        return authorisation, AuthenticationRequired(
            "The bank asked for the card holder to confirm the payment.", decline_code="authentication_required"
        )
    if authorisation.state == State.FAILED:
        error = intent.to_dict().get("last_payment_error") or {}
        return authorisation, CardDeclined(
            authorisation.failure_message or "The card was declined.",
            decline_code=error.get("decline_code") or error.get("code") or "card_declined",
        )
    if authorisation.state != State.AUTHORISED:
        return authorisation, PaymentGatewayUnavailable("The card payment is still being processed.")
    return authorisation, None


def complete_authentication(
    *,
    order_number: str,
    actor: Actor,
    simulate_success: bool | None = None,
) -> PaymentAuthorisation:
    """After 3-D Secure: read the intent back and record the outcome.

    With the local test server the page has no bank to talk to, so the customer's
    choice (``simulate_success``) is sent to localstripe's ``_authenticate``.
    Raises ``CardDeclined`` if authentication failed (kept on record).
    """
    order_number = str(order_number)
    with transaction.atomic():
        authorisation = _live_authorisation(order_number)
        if authorisation is None or authorisation.order_id is not None:
            raise NoPaymentForOrder("There is no card payment waiting for authentication.")
        if authorisation.state == State.REQUIRES_ACTION and simulate_success is not None:
            try:
                _simulate_authentication(authorisation, success=simulate_success)
            except stripe.StripeError as exc:  # e.g. already authenticated in another tab
                logger.warning("Order %s: simulated authentication refused: %s", order_number, exc)
        _refresh_from_stripe(authorisation, actor=actor, action=Action.AUTHENTICATE)
        failed = authorisation.state == State.FAILED
    if failed:
        raise CardDeclined(
            "Your bank could not confirm this payment (3-D Secure failed). "
            "No payment has been taken; please try again or use another card."
        )
    return authorisation


def _simulate_authentication(authorisation: PaymentAuthorisation, *, success: bool) -> None:
    if not is_test_server():
        raise PaymentNotAllowed("Authentication can only be simulated with the local test server.")
    client = stripe_client()
    intent = client.v1.payment_intents.retrieve(authorisation.intent_id)
    client.raw_request(
        "post",
        f"/v1/payment_intents/{authorisation.intent_id}/_authenticate",
        client_secret=intent.client_secret,
        success="true" if success else "false",
    )


def client_secret_for(*, order_number: str) -> str:
    """The intent's client secret, for Stripe.js to run 3-D Secure in the customer's browser."""
    authorisation = _live_authorisation(order_number, lock=False)
    if authorisation is None or authorisation.state != State.REQUIRES_ACTION:
        raise NoPaymentForOrder("There is no card payment waiting for authentication.")
    return stripe_client().v1.payment_intents.retrieve(authorisation.intent_id).client_secret


def cancel_unplaced_authorisation(*, order_number: str, reason: str, actor: Actor) -> bool:
    """Give the money back when no order was placed after all.

    Used when order placement fails after the card was authorised (a database
    rollback does not roll back Stripe) and when the customer abandons 3-D
    Secure. Does nothing if an order with this number exists: then the
    authorisation pays for it. Returns True if something was cancelled.
    """
    order_number = str(order_number)
    with transaction.atomic():
        authorisation = _live_authorisation(order_number)
        if authorisation is None or authorisation.order_id is not None:
            return False
        if Order.objects.filter(number=order_number).exists():
            return False
        if authorisation.state == State.CAPTURED:
            logger.error("Order %s: captured intent %s has no order", order_number, authorisation.intent_id)
            return False
        _cancel_at_stripe(authorisation, reason=reason, actor=actor)
        return True


def attach_to_order(*, order) -> PaymentAuthorisation:
    """Link the authorisation for ``order.number`` to the order just placed.

    Called by checkout inside the order-placement transaction.
    """
    authorisation = _live_authorisation(order.number)
    if authorisation is None or authorisation.state != State.AUTHORISED:
        raise NoPaymentForOrder(f"Order {order.number} has no authorised card payment.")
    authorisation.order = order
    authorisation.save(update_fields=["order", "updated_at"])
    return authorisation


# --- After the order: capture, void, refund ------------------------------------------


def amount_for_lines(*, order, lines: Iterable) -> Decimal:
    """What to capture when only ``lines`` go out: their prices plus the order's shipping and surcharges.

    The dispense step passes the lines the pharmacist dispenses (with the
    order's over-the-counter lines); lines that cannot be dispensed are not charged.
    """
    lines = list(lines)
    if not lines:
        return Decimal("0.00")
    if any(line.order_id != order.pk for line in lines):
        raise PaymentNotAllowed("Those lines are not lines of this order.")
    surcharges = order.surcharges.aggregate(total=Sum("incl_tax"))["total"] or Decimal("0.00")
    return sum((line.line_price_incl_tax for line in lines), Decimal("0.00")) + order.shipping_incl_tax + surcharges


def capture_payment(
    *,
    order,
    actor: Actor,
    amount: Decimal | None = None,
    lines: Iterable | None = None,
) -> PaymentAuthorisation:
    """Take the money: all of the authorisation, or a part of it.

    - ``amount=None, lines=None``: the whole authorised amount.
    - ``lines=[…]``: the amount of those lines (``amount_for_lines``); oscar's
      "Captured" payment event records those lines.
    - ``amount=…``: that amount (it may not exceed the authorisation).

    Stripe allows one capture per PaymentIntent; the rest of a partial capture
    is released to the customer. Raises ``PaymentNotAllowed`` (voided, already
    captured, above the authorised amount, expired), ``NoPaymentForOrder`` or
    ``PaymentGatewayUnavailable`` (nothing recorded as captured).

    Call it last in your own transaction: a rollback of yours after this returns
    cannot un-capture the card (the ``payment_intent.succeeded`` webhook would
    then flag the authorisation for review).
    """
    with transaction.atomic():
        order, authorisation = _lock(order)
        lines = list(lines) if lines is not None else None
        if amount is None:
            amount = (
                amount_for_lines(order=order, lines=lines) if lines is not None else authorisation.amount_authorised
            )
        amount = Decimal(amount).quantize(Decimal("0.01"))
        _check_capture_allowed(order, authorisation, amount)
        problem = _capture(order, authorisation, amount, lines=lines, actor=actor)
    if problem is not None:
        raise problem
    return authorisation


def _check_capture_allowed(order, authorisation: PaymentAuthorisation, amount: Decimal) -> None:
    number = order.number
    if authorisation.state == State.VOIDED:
        raise PaymentNotAllowed(
            f"The card authorisation for order {number} was voided ({authorisation.void_reason or 'no reason given'}); "
            "nothing can be captured."
        )
    if authorisation.state == State.CAPTURED:
        raise PaymentNotAllowed(
            f"Order {number} was already captured ({authorisation.amount_captured} "
            f"{authorisation.currency.upper()}); a card authorisation can be captured only once."
        )
    if authorisation.state != State.AUTHORISED:
        raise PaymentNotAllowed(f"Order {number} has no authorised card payment to capture.")
    if amount <= 0:
        raise PaymentNotAllowed("The amount to capture must be more than zero.")
    if amount > authorisation.amount_authorised:
        raise PaymentNotAllowed(
            f"Cannot capture {amount} for order {number}: only {authorisation.amount_authorised} "
            f"{authorisation.currency.upper()} was authorised."
        )
    if authorisation.expires_at and authorisation.expires_at <= timezone.now():
        raise PaymentNotAllowed(
            f"The card authorisation for order {number} expired on {authorisation.expires_at:%Y-%m-%d}; "
            "ask the customer to pay again."
        )


def _capture(order, authorisation, amount, *, lines, actor):
    """Capture inside the caller's transaction; returns an exception to raise after it, or None."""
    cents = to_minor_units(amount, authorisation.currency)
    client = stripe_client()
    try:
        intent = client.v1.payment_intents.capture(
            authorisation.intent_id,
            params={"amount_to_capture": cents, "expand": EXPAND},
            options={"idempotency_key": f"rxshop-{authorisation.intent_id}-capture-{cents}"},
        )
    except stripe.StripeError as exc:
        # The answer may have been lost after Stripe captured (a timeout): read it back.
        intent = _retrieve_or_none(client, authorisation.intent_id)
        if intent is None or intent.status != "succeeded":
            _log(authorisation, Action.CAPTURE_FAILED, actor=actor, amount=amount, reason=str(exc)[:255])
            logger.warning("Order %s: capture of %s failed: %s", order.number, amount, exc)
            if isinstance(exc, _TRANSIENT):
                return PaymentGatewayUnavailable(
                    f"Stripe did not confirm the capture for order {order.number}; nothing was captured. "
                    "Try again in a few minutes."
                )
            return PaymentNotAllowed(f"Stripe refused the capture for order {order.number}: {exc.user_message or exc}")
    if intent.status != "succeeded":
        _log(
            authorisation, Action.CAPTURE_FAILED, actor=actor, amount=amount, reason=f"Stripe answered {intent.status}"
        )
        return PaymentGatewayUnavailable(f"Stripe did not capture order {order.number} (status {intent.status}).")
    captured = _captured_amount(intent, authorisation, asked=amount)
    _set_state(
        authorisation,
        State.CAPTURED,
        action=Action.CAPTURE,
        actor=actor,
        amount=captured,
        amount_captured=captured,
        captured_at=timezone.now(),
    )
    if captured != amount:
        _flag(authorisation, f"Asked to capture {amount}, Stripe reports {captured}.")
    source = order.sources.select_for_update().get(reference=authorisation.intent_id)
    source.debit(captured, reference=authorisation.intent_id, status=intent.status)
    _payment_event(order, CAPTURED, captured, authorisation.intent_id, lines=lines, actor=actor)
    return None


def _captured_amount(intent, authorisation: PaymentAuthorisation, *, asked: Decimal) -> Decimal:
    """What Stripe captured: ``amount_received`` on real Stripe; localstripe lacks it."""
    received = intent.to_dict().get("amount_received")
    if received is None:
        return asked
    return from_minor_units(received, authorisation.currency)


def void_payment(*, order, reason: str, actor: Actor) -> PaymentAuthorisation:
    """Cancel the card authorisation (nothing captured yet): the hold on the card is released.

    Only the money: the order's status is left to the caller
    (``prescriptions.fulfilment.cancel_order`` voids, then cancels the order
    through the order-status door). Raises ``PaymentNotAllowed`` if any money
    was captured (refund instead) or ``PaymentGatewayUnavailable`` (the failed
    attempt is recorded; a caller that wants that record kept catches the
    error inside its own transaction and raises it after, as ``capture_payment``'s
    callers do).
    """
    if not reason:
        raise PaymentNotAllowed("Say why the payment is voided.")
    with transaction.atomic():
        locked, authorisation = _lock(order)
        problem = _void_locked(locked, authorisation, reason=reason, actor=actor)
    if problem is not None:
        raise problem
    return authorisation


def _void_locked(order, authorisation, *, reason, actor):
    """Void inside the caller's transaction; returns an exception to raise after it, or None."""
    if authorisation.state == State.VOIDED:
        raise PaymentNotAllowed(f"The card authorisation for order {order.number} is already voided.")
    if authorisation.state == State.CAPTURED:
        raise PaymentNotAllowed(
            f"Order {order.number} was already captured ({authorisation.amount_captured}); refund it instead."
        )
    if authorisation.state != State.AUTHORISED:
        raise PaymentNotAllowed(f"Order {order.number} has no authorised card payment to void.")
    problem = _cancel_at_stripe(authorisation, reason=reason, actor=actor)
    if problem is None:
        _after_void(order, authorisation, reason=reason, actor=actor)
    return problem


def _after_void(order, authorisation, *, reason, actor) -> None:
    source = order.sources.select_for_update().filter(reference=authorisation.intent_id).first()
    if source is not None:
        # Oscar's Source has no "released" column: the allocation is what can still be taken.
        source.amount_allocated = source.amount_debited
        source.save(update_fields=["amount_allocated"])
    _payment_event(order, VOIDED, authorisation.amount_authorised, authorisation.intent_id, actor=actor)


def refund_payment(
    *,
    order,
    amount: Decimal,
    reason: str,
    actor: Actor,
    lines: Iterable = (),
    line_quantities: Iterable[int] = (),
    shipping_amount: Decimal = Decimal("0.00"),
    reason_code: str = RefundReason.OTHER,
    note: str = "",
) -> PaymentAuthorisation:
    """Give back part or all of what was captured.

    ``lines``/``line_quantities`` name what is given back (oscar's "Refunded"
    PaymentEvent records them) and ``shipping_amount`` the part that is
    shipping; ``amount`` is the total. Checked before Stripe is asked, whatever
    Stripe would allow: the total within captured minus refunded, each line's
    quantity within what was captured of it minus what was refunded of it, the
    shipping within the shipping charged minus shipping refunded. Recorded as a
    ``Refund`` (by its Stripe id), a log entry, oscar's source and payment event,
    and the customer's e-mail is queued. The Stripe idempotency key is derived
    from the number of refunds so far and the amount, so a retried request
    (timeout, 5xx) cannot refund twice.

    Raises ``PaymentNotAllowed`` or ``PaymentGatewayUnavailable``.
    """
    amount = Decimal(amount).quantize(Decimal("0.01"))
    shipping_amount = Decimal(shipping_amount).quantize(Decimal("0.01"))
    lines, line_quantities = list(lines), [int(q) for q in line_quantities]
    if not reason:
        raise PaymentNotAllowed("Say why the payment is refunded.")
    if len(lines) != len(line_quantities):
        raise PaymentNotAllowed("Give a quantity for each line refunded.")
    with transaction.atomic():
        order, authorisation = _lock(order)
        if authorisation.state != State.CAPTURED:
            raise PaymentNotAllowed(f"Nothing was captured for order {order.number}, so nothing can be refunded.")
        if amount <= 0:
            raise PaymentNotAllowed("The amount to refund must be more than zero.")
        if amount > authorisation.refundable:
            raise PaymentNotAllowed(
                f"Cannot refund {amount} for order {order.number}: {authorisation.amount_captured} was captured "
                f"and {authorisation.amount_refunded} already refunded, so at most {authorisation.refundable} "
                "can be refunded."
            )
        _check_refund_items(order, authorisation, lines, line_quantities, shipping_amount)
        refunds_so_far = authorisation.log.filter(action=Action.REFUND).count()
        cents = to_minor_units(amount, authorisation.currency)
        client = stripe_client()
        problem = None
        try:
            refund = client.v1.refunds.create(
                params={
                    "payment_intent": authorisation.intent_id,
                    "amount": cents,
                    "metadata": {"order_number": order.number},
                },
                options={"idempotency_key": f"rxshop-{authorisation.intent_id}-refund-{refunds_so_far + 1}-{cents}"},
            )
        except stripe.StripeError as exc:
            _log(authorisation, Action.REFUND_FAILED, actor=actor, amount=amount, reason=str(exc)[:255])
            problem = (PaymentGatewayUnavailable if isinstance(exc, _TRANSIENT) else PaymentNotAllowed)(
                f"Stripe did not refund order {order.number}; nothing was refunded. ({exc.user_message or exc})"
            )
        else:
            _record_refund(
                order,
                authorisation,
                amount=amount,
                refund_id=refund.id,
                status=refund.status or "",
                actor=actor,
                reason=reason,
                reason_code=reason_code,
                note=note,
                lines=lines,
                line_quantities=line_quantities,
                shipping_amount=shipping_amount,
            )
    if problem is not None:
        raise problem
    return authorisation


def refundable_quantity(line) -> int:
    """How many of ``line`` may still be refunded: captured of it minus refunded of it."""
    captured = _event_quantity(line, CAPTURED)
    return max(captured - _event_quantity(line, REFUNDED), 0)


def refundable_shipping(order) -> Decimal:
    """The order's shipping charge minus what was refunded of it (nothing before capture)."""
    authorisation = authorisation_for(order)
    if authorisation is None or authorisation.state != State.CAPTURED:
        return Decimal("0.00")
    refunded = authorisation.refunds.aggregate(total=Sum("shipping_amount"))["total"] or Decimal("0.00")
    return max(order.shipping_incl_tax - refunded, Decimal("0.00"))


def _event_quantity(line, event_name: str) -> int:
    return (
        line.payment_event_quantities.filter(event__event_type__name=event_name).aggregate(total=Sum("quantity"))[
            "total"
        ]
        or 0
    )


def _check_refund_items(order, authorisation, lines, line_quantities, shipping_amount) -> None:
    seen = set()
    for line, quantity in zip(lines, line_quantities, strict=True):
        if line.order_id != order.pk or line.pk in seen:
            raise PaymentNotAllowed("Those lines are not lines of this order.")
        seen.add(line.pk)
        left = refundable_quantity(line)
        if quantity <= 0 or quantity > left:
            raise PaymentNotAllowed(
                f"Cannot refund {quantity} of “{line.title}”: at most {left} can be refunded "
                "(what was charged of it, less what was refunded)."
            )
    if shipping_amount < 0 or shipping_amount > refundable_shipping(order):
        raise PaymentNotAllowed(
            f"Cannot refund {shipping_amount} of shipping: at most {refundable_shipping(order)} can be refunded."
        )


def _record_refund(
    order,
    authorisation,
    *,
    amount,
    refund_id,
    status,
    actor,
    reason,
    reason_code,
    note,
    lines=(),
    line_quantities=(),
    shipping_amount=Decimal("0.00"),
    outside=False,
) -> Refund:
    authorisation.amount_refunded += amount
    authorisation.save(update_fields=["amount_refunded", "updated_at"])
    _log(
        authorisation,
        Action.REFUND if not outside else Action.RECONCILE,
        actor=actor,
        amount=amount,
        reason=reason[:255],
        stripe_reference=refund_id,
    )
    record = Refund.objects.create(
        authorisation=authorisation,
        stripe_refund_id=refund_id,
        amount=amount,
        shipping_amount=shipping_amount,
        reason_code=reason_code,
        note=note,
        made_outside_rxshop=outside,
        actor=actor if getattr(actor, "pk", None) else None,
    )
    source = order.sources.select_for_update().get(reference=authorisation.intent_id)
    source.refund(amount, reference=refund_id, status=status)
    event_type, _ = PaymentEventType.objects.get_or_create(name=REFUNDED)
    event = OscarEventHandler(user=actor).handle_payment_event(
        order,
        event_type,
        amount,
        lines=list(lines),
        line_quantities=list(line_quantities),
        reference=refund_id,
    )
    del event  # oscar records it; rxshop's Refund row holds the reason
    outbox.enqueue("payments.tasks.send_refund_email", record.pk)
    return record


def send_refund_email(*, refund_id: int) -> bool:
    """Tell the customer how much was given back and why; once. No medicine is named."""
    refund = Refund.objects.select_related("authorisation__order").get(pk=refund_id)
    order = refund.authorisation.order
    if order is None or not order.email:
        return False

    def send() -> None:
        context = {"order": order, "refund": refund}
        send_mail(
            subject=render_to_string("payments/emails/refund_subject.txt", context).strip(),
            message=render_to_string("payments/emails/refund_body.txt", context),
            from_email=None,
            recipient_list=[order.email],
        )

    return send_once(f"payment-refund:{refund.pk}", send, user=order.user, email=order.email)


# --- Expiry ------------------------------------------------------------------------

# A checkout that authorised the card but never became an order (3-D Secure left
# open, the browser closed) is released after this long.
ABANDONED_AFTER = timezone.timedelta(hours=1)


def abandoned_checkout_authorisations(*, now=None):
    """Card holds from checkouts that never became an order."""
    now = now or timezone.now()
    return PaymentAuthorisation.objects.filter(
        order__isnull=True,
        state__in=(State.PENDING, State.REQUIRES_ACTION, State.AUTHORISED),
        created_at__lte=now - ABANDONED_AFTER,
    ).order_by("created_at")


def release_abandoned_authorisation(*, authorisation_id: int, now=None) -> bool:
    """Cancel the card hold of an abandoned checkout; safe to run twice."""
    now = now or timezone.now()
    authorisation = abandoned_checkout_authorisations(now=now).filter(pk=authorisation_id).first()
    if authorisation is None:
        return False
    return cancel_unplaced_authorisation(
        order_number=authorisation.order_number,
        actor=None,
        reason="The checkout was abandoned before the order was placed.",
    )


def authorisations_due_to_expire(*, now=None):
    """Uncaptured authorisations of placed orders that Stripe will soon cancel by itself."""
    now = now or timezone.now()
    return PaymentAuthorisation.objects.filter(
        state=State.AUTHORISED,
        order__isnull=False,
        expires_at__lte=now + VOID_BEFORE_EXPIRY,
    ).order_by("expires_at")


def void_expiring_authorisation(*, authorisation_id: int, reason: str, now=None) -> PaymentAuthorisation | None:
    """Void an authorisation of a placed order that Stripe is about to cancel by itself.

    Returns the voided authorisation, or None when it is no longer due
    (captured, already voided, not yet close to expiry): safe to run twice.
    The order's status is the caller's business (``prescriptions.fulfilment``,
    which decides which orders may lose their card hold at all).
    Raises ``PaymentGatewayUnavailable`` when Stripe does not confirm (recorded).
    """
    now = now or timezone.now()
    order_id = PaymentAuthorisation.objects.filter(pk=authorisation_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return None
    with transaction.atomic():
        order, authorisation = _lock(Order(pk=order_id))  # same lock order as capture: order, then payment
        due = (
            authorisation.pk == authorisation_id
            and authorisation.state == State.AUTHORISED
            and authorisation.expires_at is not None
            and authorisation.expires_at <= now + VOID_BEFORE_EXPIRY
        )
        if not due:
            return None
        problem = _void_locked(order, authorisation, actor=None, reason=reason)
    if problem is not None:
        raise problem
    return authorisation


def send_authorisation_expired_email(*, order_id: int) -> bool:
    """Tell the customer their order was cancelled because the card hold expired; once."""
    order = Order.objects.select_related("user").get(pk=order_id)
    email = order.email
    if not email:
        return False

    def send() -> None:
        context = {"order": order}
        send_mail(
            subject=render_to_string("payments/emails/authorisation_expired_subject.txt", context).strip(),
            message=render_to_string("payments/emails/authorisation_expired_body.txt", context),
            from_email=None,
            recipient_list=[email],
        )

    return send_once(f"payment-authorisation-expired:{order.pk}", send, user=order.user, email=order.email)


# --- Helpers -------------------------------------------------------------------------


def _live_authorisation(order_number: str, *, lock: bool = True) -> PaymentAuthorisation | None:
    queryset = PaymentAuthorisation.objects.filter(
        order_number=str(order_number), state__in=PaymentAuthorisation.LIVE_STATES
    )
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()


def _lock(order):
    """Lock the order and its (non-failed) authorisation, in that order."""
    order = Order.objects.select_for_update().get(pk=order.pk)
    authorisation = authorisation_for(order, lock=True)
    if authorisation is None:
        raise NoPaymentForOrder(f"Order {order.number} has no card payment.")
    return order, authorisation


def _retrieve_or_none(client, intent_id: str):
    try:
        return client.v1.payment_intents.retrieve(intent_id, params={"expand": EXPAND})
    except stripe.StripeError as exc:
        logger.warning("Could not read back PaymentIntent %s: %s", intent_id, exc)
        return None


def _refresh_from_stripe(authorisation, *, actor, action=Action.AUTHORISE) -> None:
    if not authorisation.intent_id:
        return
    intent = _retrieve_or_none(stripe_client(), authorisation.intent_id)
    if intent is not None:
        _apply_intent(authorisation, intent, actor=actor, action=action)


def _apply_intent(authorisation, intent, *, actor, action) -> None:
    """Record what a freshly created, confirmed or authenticated intent says."""
    status = intent.status
    card = intent.to_dict().get("payment_method")
    if isinstance(card, dict) and card.get("card"):
        brand = (card["card"].get("brand") or "card").title()
        authorisation.card_label = f"{brand} •••• {card['card'].get('last4', '')}"
    if status == "requires_capture":
        if authorisation.state != State.AUTHORISED:
            authorisation.mark_authorised(at=timezone.now())
            _set_state(
                authorisation,
                State.AUTHORISED,
                action=action,
                actor=actor,
                amount=authorisation.amount_authorised,
                stripe_reference=intent.id,
            )
    elif status == "requires_action":
        if authorisation.state != State.REQUIRES_ACTION:
            _set_state(
                authorisation,
                State.REQUIRES_ACTION,
                action=action,
                actor=actor,
                stripe_reference=intent.id,
                reason="The bank asks for 3-D Secure.",
            )
    elif status in ("requires_payment_method", "canceled"):
        error = intent.to_dict().get("last_payment_error") or {}
        message = error.get("message") or "Your card was declined."
        if error.get("code") == "payment_intent_authentication_failure":
            message = "3-D Secure authentication failed."
        new_state = State.FAILED if status == "requires_payment_method" else State.VOIDED
        _set_state(
            authorisation,
            new_state,
            action=Action.DECLINE if new_state == State.FAILED else action,
            actor=actor,
            reason=message[:255],
            failure_message=message[:255],
            stripe_reference=intent.id,
        )
    else:
        authorisation.save()


def _cancel_at_stripe(authorisation, *, reason: str, actor: Actor):
    """Cancel the intent and record the void; returns an exception to raise, or None."""
    client = stripe_client()
    try:
        if authorisation.intent_id:
            client.v1.payment_intents.cancel(
                authorisation.intent_id,
                params={"expand": EXPAND},
                options={"idempotency_key": f"rxshop-{authorisation.intent_id}-cancel"},
            )
    except stripe.StripeError as exc:
        intent = _retrieve_or_none(client, authorisation.intent_id)
        if intent is None or intent.status != "canceled":
            _log(authorisation, Action.VOID_FAILED, actor=actor, reason=str(exc)[:255])
            return PaymentGatewayUnavailable(
                f"Stripe did not cancel the card authorisation for order {authorisation.order_number}; "
                "nothing was changed. Try again in a few minutes."
            )
    _set_state(
        authorisation,
        State.VOIDED,
        action=Action.VOID,
        actor=actor,
        reason=reason[:255],
        amount=authorisation.amount_authorised,
        void_reason=reason[:255],
        voided_at=timezone.now(),
    )
    return None


def _set_state(authorisation, state, *, action, actor, amount=None, reason="", stripe_reference="", **fields):
    from_state = authorisation.state
    authorisation.state = state
    for name, value in fields.items():
        setattr(authorisation, name, value)
    authorisation.save()
    _log(
        authorisation,
        action,
        actor=actor,
        amount=amount,
        reason=reason,
        stripe_reference=stripe_reference,
        from_state=from_state,
        to_state=state,
    )


def _log(
    authorisation, action, *, actor, amount=None, reason="", stripe_reference="", from_state=None, to_state=None
) -> PaymentLogEntry:
    return PaymentLogEntry.objects.create(
        authorisation=authorisation,
        action=action,
        actor=actor if getattr(actor, "pk", None) else None,
        amount=amount,
        reason=reason,
        stripe_reference=stripe_reference,
        from_state=authorisation.state if from_state is None else from_state,
        to_state=authorisation.state if to_state is None else to_state,
    )


def _flag(authorisation, note: str) -> None:
    authorisation.needs_review = True
    authorisation.review_note = (authorisation.review_note + "\n" + note).strip()
    authorisation.save(update_fields=["needs_review", "review_note", "updated_at"])
    logger.warning("Payment %s flagged for review: %s", authorisation.intent_id, note)


def _payment_event(order, name: str, amount: Decimal, reference: str, *, actor, lines=None):
    """An oscar PaymentEvent; ``lines=None`` means every line of the order, ``[]`` none.

    Oscar's own EventHandler, not the project's (``get_class``): rxshop's fork in
    shop/apps/order/processing.py sits above payments and sends status changes
    to prescriptions; payment events are the same in both.
    """
    event_type, _ = PaymentEventType.objects.get_or_create(name=name)
    lines = list(order.lines.all()) if lines is None else list(lines)
    return OscarEventHandler(user=actor).handle_payment_event(
        order,
        event_type,
        amount,
        lines=lines,
        line_quantities=[line.quantity for line in lines],
        reference=reference,
    )
