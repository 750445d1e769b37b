"""Fulfilment: the actions that move an order's money, then its status.

The convention — whoever decides, acts:

- Prescriptions owns an order's status. When prescriptions decides (ship,
  cancel, the authorisation-expiry job, the dispense step), it calls payments
  for the money (capture, void) and then the order-status door
  (``prescriptions.orders``), in one transaction: the order is locked first,
  then its payment. If Stripe fails, the order stays where it was, the failed
  attempt stays on record, and the error is raised after the transaction.
- Payments never sets an order's status. When payments learns something by
  itself — Stripe cancelled an authorisation (its webhook) — it announces it
  with ``payments.signals.authorisation_voided``; ``on_authorisation_voided``
  below, connected in ``PrescriptionsConfig.ready``, cancels the order through
  the door.

So the hourly expiry job lives here, not in payments: only here can it see that
an order has been dispensed or shipped, and such an order's card is never voided
nor its customer told that it expired. Its Celery tasks (prescriptions/tasks.py)
keep the ``shop.payments.tasks.*`` names that the beat schedule and pending
outbox rows hold.
"""
from __future__ import annotations

import logging
from decimal import Decimal

from django.db import transaction
from oscar.core.loading import get_model

from infra import outbox
from payments import services as payments
from payments.exceptions import PaymentGatewayUnavailable, PaymentNotAllowed, PaymentProblem
from payments.models import PaymentAuthorisation, RefundReason
from payments.selectors import authorisation_for

from . import orders
from .orders import OrderStatus, OrderStatusRefused, Route

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")

S, R = OrderStatus, Route
AUTHORISED = PaymentAuthorisation.State.AUTHORISED

EXPIRY_REASON = "The card authorisation was about to expire before the order could be dispensed or shipped."


# --- Ship -------------------------------------------------------------------------------

def ship_order(*, order, actor):
    """Send the order out: an over-the-counter order's card is captured now, then the order is "Shipped".

    A prescription order must have been dispensed (and so captured) first. If
    the capture fails the order does not move. Shipping an order that has
    shipped changes nothing. Raises ``OrderStatusRefused`` or a
    ``PaymentProblem``; returns the order.
    """
    problem = None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == S.SHIPPED:
            return locked
        refusal = orders.route_refusal(locked, to=S.SHIPPED, via=R.SHIPPING)
        if refusal is not None:
            raise OrderStatusRefused(refusal)
        payment = authorisation_for(locked, lock=True)
        if locked.status == S.AWAITING_SHIPMENT and payment is not None and payment.state == AUTHORISED:
            try:
                payments.capture_payment(order=locked, actor=actor)
            except PaymentProblem as exc:  # keep the failed attempt on record; the order does not move
                problem = exc
        if problem is None:
            orders.change_order_status(order=locked, to=S.SHIPPED, actor=actor, via=R.SHIPPING)
    if problem is not None:
        raise problem
    _refresh(order, locked)
    return locked


# --- Cancel -----------------------------------------------------------------------------

def cancel_order(*, order, reason: str, actor, via: Route):
    """Cancel the order: the card hold is voided first, then the order and its lines are
    "Cancelled" (their stock allocations released) and the note says why.

    ``via`` is who cancels (the dispense step, staff, the customer). An order
    that was paid for is cancelled only once it is refunded in full. Cancelling
    a cancelled order changes nothing. Raises ``OrderStatusRefused`` or a
    ``PaymentProblem``; returns the order.
    """
    if not (reason or "").strip():
        raise OrderStatusRefused("Say why the order is cancelled.")
    problem = None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == S.CANCELLED:
            return locked
        # Before the card is touched: a route that may not cancel must not void either.
        refusal = orders.route_refusal(locked, to=S.CANCELLED, via=via)
        if refusal is not None:
            raise OrderStatusRefused(refusal)
        payment = authorisation_for(locked, lock=True)
        if payment is not None and payment.state == AUTHORISED:
            try:
                payments.void_payment(order=locked, reason=reason, actor=actor)
            except PaymentGatewayUnavailable as exc:  # keep the failed attempt on record
                problem = exc
        if problem is None:
            orders.change_order_status(order=locked, to=S.CANCELLED, actor=actor, via=via, note=reason)
    if problem is not None:
        raise problem
    _refresh(order, locked)
    return locked


# --- The authorisation-expiry job ---------------------------------------------------------

def expiring_authorisations(*, now=None):
    """What the expiry job voids: authorisations Stripe will soon cancel by itself that are
    still only authorised, of orders from which nothing was dispensed or shipped."""
    return payments.authorisations_due_to_expire(now=now).filter(order__status__in=orders.WAITING_STATUSES)


def expire_authorisation(*, authorisation_id: int, now=None) -> bool:
    """Void one authorisation about to expire, cancel its order and tell the customer (once).

    Only an order still waiting (to be dispensed, or to ship) loses its card
    hold: a dispensed, shipped or completed order is never voided nor its
    customer e-mailed, whatever its payment says. Safe to run twice: a second
    run finds nothing to do and returns False. Raises
    ``PaymentGatewayUnavailable`` (the task retries).
    """
    order_id = PaymentAuthorisation.objects.filter(pk=authorisation_id).values_list("order_id", flat=True).first()
    if order_id is None:
        return False
    problem = voided = None
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.status not in orders.WAITING_STATUSES:
            return False
        try:
            voided = payments.void_expiring_authorisation(authorisation_id=authorisation_id, reason=EXPIRY_REASON,
                                                          now=now)
        except PaymentGatewayUnavailable as exc:  # keep the failed attempt on record
            problem = exc
        if voided is not None:
            orders.change_order_status(order=order, to=S.CANCELLED, actor=None, via=R.PAYMENTS, note=EXPIRY_REASON)
            # Through the outbox: the e-mail task exists exactly when the cancellation is committed.
            outbox.enqueue("shop.payments.tasks.send_authorisation_expired_email", order.pk)
    if problem is not None:
        raise problem
    return voided is not None


# --- Stripe cancelled an authorisation (payments' signal) -----------------------------------

def on_authorisation_voided(sender, *, order_id: int, reason: str = "", **kwargs) -> None:
    """The order's card authorisation is void (Stripe cancelled it): the order cannot be paid
    for, so it is cancelled through the door, in the transaction that recorded the void.

    An order that can no longer be cancelled (it shipped) keeps its status; a
    note on the order tells staff, who must settle the payment by hand.
    """
    order = Order.objects.select_for_update().get(pk=order_id)
    if order.status == S.CANCELLED:
        return
    try:
        orders.change_order_status(order=order, to=S.CANCELLED, actor=None, via=R.PAYMENTS, note=reason)
    except OrderStatusRefused as exc:
        logger.warning("Order %s: card authorisation void, order not cancelled: %s", order.number, exc)
        order.notes.create(note_type=OrderNote.SYSTEM, message=(
            f"{reason} The order stays “{order.status}” ({exc}); its payment must be settled by hand."))


# --- Oscar's order dashboard ----------------------------------------------------------------

def statuses_for_staff(order) -> list[OrderStatus]:
    """What oscar's order dashboard offers for ``order``: the changes ``change_status_as_staff`` would make."""
    payment = authorisation_for(order)
    return [to for to in orders.next_statuses(order) if _staff_refusal(order, to, payment) is None]


def _staff_refusal(order, to: OrderStatus, payment) -> str | None:
    held = payment is not None and payment.state == AUTHORISED
    if to == S.SHIPPED:  # shipping captures an over-the-counter order's held card first
        refusal = orders.route_refusal(order, to=to, via=R.SHIPPING)
        if refusal is not None or (held and order.status == S.AWAITING_SHIPMENT):
            return refusal
        return orders.money_refusal(order, to=to, payment=payment)
    if to == S.CANCELLED:  # cancelling voids a held card first
        refusal = orders.route_refusal(order, to=to, via=R.STAFF)
        if refusal is not None or held:
            return refusal
        return orders.money_refusal(order, to=to, payment=payment)
    return orders.order_refusal(order, to=to, via=R.STAFF, payment=payment)


def change_status_as_staff(*, order, to, actor, note: str = ""):
    """A status chosen on oscar's order dashboard, by any staff role (superusers included).

    "Shipped" ships the order (``ship_order``: an over-the-counter order's card
    is captured first); "Cancelled" cancels it (``cancel_order``: the card hold
    is voided first); anything else goes through the door by the staff route,
    which never makes an order "Dispensed". Raises ``OrderStatusRefused`` or a
    ``PaymentProblem``, whose text is for the staff member.
    """
    if to == S.SHIPPED:
        return ship_order(order=order, actor=actor)
    if to == S.CANCELLED:
        reason = note or f"Cancelled on the order dashboard by {_name(actor)}."
        return cancel_order(order=order, reason=reason, actor=actor, via=R.STAFF)
    return orders.change_order_status(order=order, to=to, actor=actor, via=R.STAFF, note=note)


def _name(user) -> str:
    if user is None:
        return "the system"
    return user.get_full_name() or user.get_username()


def _refresh(order, locked) -> None:
    if order is not locked:
        order.refresh_from_db(fields=["status"])


# --- Refund ---------------------------------------------------------------------------------

# Refunding sits with dispensing: the pharmacist who dispensed (or could not) decides
# what is given back, and the refund screen shows the order's medicines, which the shop
# administrator role may not see. So it takes the dispense permission.
REFUND_PERMISSION = "dispensing.dispense_order"


def refund_order(*, order, actor, reason_code: str, note: str = "", whole: bool = False,
                 line_quantities: dict[int, int] | None = None, shipping: bool = False):
    """Give money back for the whole order, chosen lines (with quantities) and/or the shipping.

    The amount is what those items were charged (a line's unit price, tax
    included, times the quantity); payments refuses more than was captured less
    what was refunded, per line and in total, whatever Stripe would allow.
    Medicines are not taken back into stock. The order's status does not move:
    cancelling a paid order is a separate step, open once it is refunded in
    full. Raises ``PaymentProblem``; returns the ``Refund``.
    """
    labels = dict(RefundReason.choices)
    if reason_code not in labels or reason_code == RefundReason.OUTSIDE_RXSHOP:
        raise PaymentNotAllowed("Choose a reason for the refund.")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        all_lines = {line.pk: line for line in locked.lines.all()}
        if whole:
            wanted = {pk: payments.refundable_quantity(line) for pk, line in all_lines.items()}
            shipping = True
        else:
            wanted = dict(line_quantities or {})
        wanted = {pk: int(qty) for pk, qty in wanted.items() if int(qty) > 0}
        if any(pk not in all_lines for pk in wanted):
            raise PaymentNotAllowed("Those lines are not lines of this order.")
        lines = [all_lines[pk] for pk in wanted]
        quantities = [wanted[line.pk] for line in lines]
        shipping_amount = payments.refundable_shipping(locked) if shipping else Decimal("0.00")
        amount = sum(((line.line_price_incl_tax / line.quantity * qty).quantize(Decimal("0.01"))
                      for line, qty in zip(lines, quantities)), Decimal("0.00")) + shipping_amount
        if whole:
            # Whatever is left (surcharges, rounding) goes back with a whole-order refund.
            payment = authorisation_for(locked)
            amount = payment.refundable if payment is not None else amount
        if amount <= 0:
            raise PaymentNotAllowed("Nothing to refund: choose lines, quantities or the shipping.")
        reason = labels[reason_code] + (f": {note}" if note else "")
        authorisation = payments.refund_payment(
            order=locked, amount=amount, reason=reason[:255], actor=actor, lines=lines, line_quantities=quantities,
            shipping_amount=shipping_amount, reason_code=reason_code, note=note,
        )
        return authorisation.refunds.order_by("-pk").first()
