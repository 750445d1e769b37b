"""Reconcile Stripe's webhook events with rxshop's records.

rxshop's own records are the source of truth: they are written from Stripe's
synchronous answers when rxshop authorises, captures, voids or refunds. A
webhook event only confirms them, or fills in what Stripe did by itself
(cancelling an authorisation it let expire, a 3-D Secure attempt that failed in
the customer's browser). An event that contradicts the records — a
``canceled`` for a payment rxshop holds as captured, a refund rxshop never made —
is stored and the payment flagged for staff review; it is never applied blindly.

Every event id is stored once, so a replay does nothing. Events may arrive late
and out of order: one older than the last event applied to the same payment is
stored as stale and not applied.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone
from oscar.core.loading import get_model

from . import services, signals
from .client import from_minor_units
from .models import PaymentAuthorisation, PaymentLogEntry, Refund, RefundReason, StripeEvent

logger = logging.getLogger(__name__)
Order = get_model("order", "Order")
State = PaymentAuthorisation.State
Outcome = StripeEvent.Outcome

HANDLED = {
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "charge.refunded",
}


class MalformedEvent(ValueError):
    """The event verified but lacks what every Stripe event has."""


def handle_event(event: dict) -> str:
    """Store and reconcile one verified Stripe event (a plain dict); returns the outcome.

    One transaction. A replayed event id returns ``"duplicate"`` and changes nothing.
    """
    try:
        event_id, event_type = str(event["id"]), str(event["type"])
        created = dt.datetime.fromtimestamp(int(event["created"]), tz=dt.UTC)
        obj = event["data"]["object"]
        if not isinstance(obj, dict):
            raise TypeError
    except (KeyError, TypeError, ValueError, OverflowError, OSError) as exc:
        # OverflowError/OSError: a "created" far outside the platform's time range.
        raise MalformedEvent("Not a Stripe event.") from exc

    # What is stored must fit its column and carry no NUL character (PostgreSQL refuses
    # NUL in text): an event that does not is not one of Stripe's.
    if not (event_id and event_type and _storable(event_id, 255) and _storable(event_type, 100)):
        raise MalformedEvent("Not a Stripe event.")
    intent_id = _intent_id(event_type, obj)
    if not _storable(intent_id, 255):
        intent_id = ""  # looked up nowhere: stored as unmatched
    object_id = intent_id or str(obj.get("id", ""))
    if not _storable(object_id, 255):
        object_id = ""
    with transaction.atomic():
        if StripeEvent.objects.filter(event_id=event_id).exists():
            return "duplicate"
        outcome, note = _reconcile(event_type, obj, intent_id, created)
        try:
            with transaction.atomic():
                StripeEvent.objects.create(
                    event_id=event_id,
                    type=event_type,
                    object_id=object_id,
                    stripe_created=created,
                    outcome=outcome,
                    note=note[:255],
                )
        except IntegrityError:
            # The same event delivered twice at the same moment: the other one wins.
            transaction.set_rollback(True)
            return "duplicate"
    if outcome == Outcome.FLAGGED:
        logger.warning("Stripe event %s (%s) flagged: %s", event_id, event_type, note)
    return outcome


def _storable(text: str, max_length: int) -> bool:
    return len(text) <= max_length and "\x00" not in text


def _intent_id(event_type: str, obj: dict) -> str:
    if event_type.startswith("payment_intent."):
        return str(obj.get("id") or "")
    if event_type.startswith("charge."):
        return str(obj.get("payment_intent") or "")
    return ""


def _reconcile(event_type: str, obj: dict, intent_id: str, created: dt.datetime) -> tuple[str, str]:
    if event_type not in HANDLED:
        return Outcome.IGNORED, ""
    if not intent_id:
        return Outcome.UNMATCHED, "No PaymentIntent in the event."
    found = PaymentAuthorisation.objects.filter(intent_id=intent_id).values_list("pk", "order_id").first()
    if found is None:
        return Outcome.UNMATCHED, f"rxshop has no record of {intent_id}."
    if found[1] is not None:
        # Lock the order first, then the payment, as every money and status change does.
        Order.objects.select_for_update().filter(pk=found[1]).first()
    authorisation = PaymentAuthorisation.objects.select_for_update().get(pk=found[0])
    if authorisation.last_event_at and created < authorisation.last_event_at:
        return Outcome.STALE, f"Older than the last event applied ({authorisation.last_event_at:%Y-%m-%d %H:%M:%S})."

    handler = {
        "payment_intent.succeeded": _succeeded,
        "payment_intent.payment_failed": _payment_failed,
        "payment_intent.canceled": _canceled,
        "charge.refunded": _refunded,
    }[event_type]
    outcome, note = handler(authorisation, obj)
    if outcome == Outcome.FLAGGED:
        services._flag(authorisation, f"Stripe {event_type}: {note}")
    if outcome != Outcome.STALE:
        authorisation.last_event_at = created
        authorisation.save(update_fields=["last_event_at", "updated_at"])
    return outcome, note


def _succeeded(authorisation: PaymentAuthorisation, obj: dict) -> tuple[str, str]:
    """A manual-capture intent succeeds only when it is captured."""
    if authorisation.state == State.CAPTURED:
        return Outcome.CONSISTENT, "Captured, as recorded."
    return Outcome.FLAGGED, (
        f"Stripe reports the payment captured; rxshop holds it as {authorisation.get_state_display().lower()}."
    )


def _payment_failed(authorisation: PaymentAuthorisation, obj: dict) -> tuple[str, str]:
    if authorisation.state == State.FAILED:
        return Outcome.CONSISTENT, "Failed, as recorded."
    if authorisation.state in (State.PENDING, State.REQUIRES_ACTION) and authorisation.order_id is None:
        # E.g. 3-D Secure failed in the customer's browser and they never came back.
        error = obj.get("last_payment_error")
        message = str((error.get("message") if isinstance(error, dict) else "") or "The payment failed.")
        message = message.replace("\x00", "")[:255]
        services._set_state(
            authorisation,
            State.FAILED,
            action=PaymentLogEntry.Action.RECONCILE,
            actor=None,
            reason=f"Stripe: {message}",
            failure_message=message,
        )
        return Outcome.APPLIED, "Attempt marked failed."
    return Outcome.FLAGGED, f"Stripe reports a failed payment; rxshop holds it as {authorisation.state}."


def _canceled(authorisation: PaymentAuthorisation, obj: dict) -> tuple[str, str]:
    if authorisation.state == State.VOIDED:
        return Outcome.CONSISTENT, "Voided, as recorded."
    if authorisation.state == State.CAPTURED:
        return Outcome.FLAGGED, "Stripe reports the intent canceled; rxshop holds it as captured. Not applied."
    if authorisation.state == State.FAILED:
        return Outcome.CONSISTENT, "A failed attempt, cancelled."
    # Stripe cancelled an authorisation by itself (it expired): the money can no
    # longer be taken. Record the void, and announce it: the order is cancelled
    # above payments (prescriptions), through the order-status door.
    reason = "Stripe cancelled the card authorisation."
    services._set_state(
        authorisation,
        State.VOIDED,
        action=PaymentLogEntry.Action.RECONCILE,
        actor=None,
        reason=reason,
        amount=authorisation.amount_authorised,
        void_reason=reason,
        voided_at=timezone.now(),
    )
    if authorisation.order_id is not None:
        order = Order.objects.select_for_update().get(pk=authorisation.order_id)
        services._after_void(order, authorisation, reason=reason, actor=None)
        signals.authorisation_voided.send(
            sender=PaymentAuthorisation, order_id=order.pk, authorisation_id=authorisation.pk, reason=reason
        )
    return Outcome.APPLIED, "Authorisation recorded as voided."


def _refunded(authorisation: PaymentAuthorisation, obj: dict) -> tuple[str, str]:
    """Each refund in the charge is matched by its Stripe id: rxshop's own are already
    recorded; one rxshop never made (the Stripe dashboard) is recorded once, as made
    outside rxshop, if it fits in what is left to refund. Without refund ids only the
    total is compared, and a larger total is flagged, never applied."""
    try:
        refunded = from_minor_units(int(obj.get("amount_refunded") or 0), authorisation.currency)
    except (TypeError, ValueError):
        return Outcome.FLAGGED, "Refund event without a readable amount."
    recorded = _record_outside_refunds(authorisation, obj)
    if recorded and refunded == authorisation.amount_refunded:
        return Outcome.APPLIED, f"Recorded {len(recorded)} refund(s) made outside rxshop: {', '.join(recorded)}."
    if refunded == authorisation.amount_refunded:
        return Outcome.CONSISTENT, f"{refunded} refunded, as recorded."
    if refunded < authorisation.amount_refunded:
        return (
            Outcome.STALE,
            f"Stripe shows {refunded} refunded; rxshop already recorded {authorisation.amount_refunded}.",
        )
    return Outcome.FLAGGED, (
        f"Stripe shows {refunded} refunded but rxshop recorded {authorisation.amount_refunded}: "
        "a refund made outside rxshop?"
    )


def _record_outside_refunds(authorisation: PaymentAuthorisation, obj: dict) -> list[str]:
    refunds = obj.get("refunds")
    data = refunds.get("data") if isinstance(refunds, dict) else None
    if not isinstance(data, list) or authorisation.order_id is None or authorisation.state != State.CAPTURED:
        return []
    known = set(Refund.objects.filter(authorisation=authorisation).values_list("stripe_refund_id", flat=True))
    known |= set(authorisation.log.exclude(stripe_reference="").values_list("stripe_reference", flat=True))
    recorded = []
    for item in data:
        if not isinstance(item, dict):
            continue
        refund_id = str(item.get("id") or "")
        if not refund_id.startswith("re_") or not _storable(refund_id, 255) or refund_id in known:
            continue
        if str(item.get("status") or "succeeded") not in ("succeeded", "pending"):
            continue
        try:
            amount = from_minor_units(int(item.get("amount") or 0), authorisation.currency)
        except (TypeError, ValueError):
            continue
        if amount <= 0 or amount > authorisation.refundable:
            continue  # does not fit: left for the total comparison to flag
        order = Order.objects.select_for_update().get(pk=authorisation.order_id)
        services._record_refund(
            order,
            authorisation,
            amount=amount,
            refund_id=refund_id,
            status=str(item.get("status") or ""),
            actor=None,
            reason="Refund made in the Stripe dashboard.",
            reason_code=RefundReason.OUTSIDE_RXSHOP,
            note="Learnt from Stripe's charge.refunded event.",
            outside=True,
        )
        known.add(refund_id)
        recorded.append(refund_id)
    return recorded
