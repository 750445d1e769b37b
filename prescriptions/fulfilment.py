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

import datetime
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from oscar.core.loading import get_model

from compliance import subjects
from compliance.core import Severity, Stage
from compliance.services import evaluate_and_record
from infra import outbox
from payments import services as payments
from payments.exceptions import PaymentGatewayUnavailable, PaymentNotAllowed, PaymentProblem
from payments.models import PaymentAuthorisation, RefundReason
from payments.selectors import authorisation_for

from . import carriers, delivery, orders
from .dispensing.models import Dispense, ProgrammeAuthorisation
from .drugs import requires_prescription
from .facts import facts_for_prescription
from .models import Shipment, ShipmentLine
from .orders import LineStatus, OrderStatus, OrderStatusRefused, Route

logger = logging.getLogger(__name__)

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
ShippingEventType = get_model("order", "ShippingEventType")

SHIP_PERMISSION = "prescriptions.ship_order"
# Oscar's ShippingEventType for a parcel handed to the carrier: named like the status it leads to.
SHIPPED_EVENT = str(OrderStatus.SHIPPED)

S, R = OrderStatus, Route
AUTHORISED = PaymentAuthorisation.State.AUTHORISED

EXPIRY_REASON = "The card authorisation was about to expire before the order could be dispensed or shipped."


# --- Ship -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Parcel:
    """What staff record for one parcel: the carrier and its tracking number, the day it left,
    and how many of which order lines are in it (``{line id: quantity}``; empty: everything
    not yet shipped). ``shipping_method`` is the oscar method code it goes by (default: the order's)."""

    carrier: str
    tracking_number: str
    shipped_on: datetime.date | None = None
    lines: Mapping[int, int] = field(default_factory=dict)
    shipping_method: str = ""


def may_ship(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(SHIP_PERMISSION))


def ship_order(*, order, actor, parcel: Parcel):
    """Send the order out, one parcel at a time: an over-the-counter order's card is captured
    first, then the lines in the parcel and — once every line not cancelled has shipped — the
    order become "Shipped" through the door. This is the only way an order ships (the ship
    screen calls it; oscar's order dashboard refuses "Shipped"), and only staff allowed to ship
    (``may_ship``) may call it.

    The tracking number is checked against the carrier's format, the day it left may not be in
    the future, each line must belong to the order and have that many units left to ship. Then
    the rules run at ``Stage.SHIP`` for each prescription line in the parcel, with the parcel's
    promised delivery date, and every evaluation is stored (``evaluate_and_record``): a BLOCK —
    an iPLEDGE RMA whose "do not dispense after" date comes before the promised delivery, or
    whose window closed since the dispense — refuses the parcel with the pharmacist's message
    (the evaluation stays on record). The parcel is kept (``Shipment``), oscar's "Shipped"
    shipping event records its lines and quantities, and the customer is e-mailed the tracking
    link.

    A prescription order must have been dispensed (and so captured) first. If the capture fails
    nothing moves. Raises ``OrderStatusRefused`` or a ``PaymentProblem``; returns the order.
    """
    if not isinstance(parcel, Parcel):
        raise OrderStatusRefused(
            "An order ships as a parcel with its carrier and tracking number, recorded on the ship screen."
        )
    if not may_ship(actor):
        raise OrderStatusRefused("Only pharmacy staff allowed to ship orders can record a parcel.")
    problem = blocked = None
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        refusal = orders.route_refusal(locked, to=S.SHIPPED, via=R.SHIPPING)
        if refusal is not None:
            raise OrderStatusRefused(refusal)
        contents = _parcel_contents(locked, parcel)
        # The evaluations are evidence: stored even when they refuse the parcel (nothing else moved).
        blocked = _rules_at_ship(locked, contents=contents, actor=actor)
        payment = None if blocked else authorisation_for(locked, lock=True)
        if payment is not None and locked.status == S.AWAITING_SHIPMENT and payment.state == AUTHORISED:
            try:
                payments.capture_payment(order=locked, actor=actor)
            except PaymentProblem as exc:  # keep the failed attempt on record; the order does not move
                problem = exc
        if blocked is None and problem is None:
            _record_parcel(locked, parcel=parcel, contents=contents, actor=actor)
            if _all_shipped(locked):
                orders.change_order_status(order=locked, to=S.SHIPPED, actor=actor, via=R.SHIPPING)
    if blocked is not None:
        raise OrderStatusRefused(blocked)
    if problem is not None:
        raise problem
    _refresh(order, locked)
    return locked


def shipped_quantities(order) -> dict[int, int]:
    """Units of each line already in a parcel."""
    rows = ShipmentLine.objects.filter(shipment__order=order).values("order_line").annotate(n=Sum("quantity"))
    return {row["order_line"]: row["n"] for row in rows}


def quantities_left(order) -> dict[int, int]:
    """Units of each line not cancelled that are still to ship."""
    shipped = shipped_quantities(order)
    return {
        line.pk: line.quantity - shipped.get(line.pk, 0)
        for line in order.lines.order_by("pk")
        if line.status not in (LineStatus.CANCELLED, LineStatus.SHIPPED) and line.quantity > shipped.get(line.pk, 0)
    }


def _parcel_contents(order, parcel: Parcel) -> dict:
    """The checked parcel: {line: quantity}, the tracking number, the day, the promise."""
    try:
        tracking = carriers.clean_tracking_number(parcel.carrier, parcel.tracking_number)
    except carriers.TrackingNumberInvalid as exc:  # a number in the wrong format
        raise OrderStatusRefused(str(exc), code=exc.code) from exc
    except ValueError as exc:  # not a carrier we know
        raise OrderStatusRefused(f"“{parcel.carrier}” is not a carrier we ship with.") from exc
    today = timezone.localdate()
    shipped_on = parcel.shipped_on or today
    if shipped_on > today:
        raise OrderStatusRefused(f"The parcel cannot have left on {shipped_on:%d %b %Y}: that is in the future.")
    left = quantities_left(order)
    lines = {line.pk: line for line in order.lines.select_related("product").order_by("pk")}
    wanted = dict(parcel.lines) or left
    if not wanted:
        raise OrderStatusRefused(f"Every item of order {order.number} has already shipped.")
    for line_id, quantity in wanted.items():
        if line_id not in lines:
            raise OrderStatusRefused(f"Line {line_id} is not part of order {order.number}.")
        if quantity < 1 or quantity > left.get(line_id, 0):
            raise OrderStatusRefused(
                f"Line {line_id} ({lines[line_id].title}) has {left.get(line_id, 0)} left to ship, not {quantity}."
            )
    method = parcel.shipping_method or order.shipping_code or None
    promised = delivery.promise_for_parcel(method_code=method).delivery_on
    return {
        "lines": {lines[pk]: qty for pk, qty in wanted.items()},
        "tracking": tracking,
        "shipped_on": shipped_on,
        "promised": promised,
        "method": method or "",
    }


def _rules_at_ship(order, *, contents: dict, actor) -> str | None:
    """The rules at ``Stage.SHIP`` for each prescription line in the parcel, with the parcel's
    promised delivery date (iPLEDGE mail order, RULES.md 1.5: checked at dispense, and again
    here because a parcel may leave days after the dispense). Each evaluation is stored under
    the line's subject (``compliance.subjects.for_order_line``), so the prescription's history
    and the retention purge find it. Returns the pharmacist's reason to refuse, or None."""
    moment = timezone.now()
    ship_to = (order.shipping_address.state if order.shipping_address else "") or None
    refusals = []
    for line in contents["lines"]:
        if not requires_prescription(line.product):
            continue
        if line.prescription_id is None:
            return f"Line {line.pk} ({line.title}) has no prescription attached; it cannot ship."
        rma = (
            ProgrammeAuthorisation.objects.filter(order_line=line, state=ProgrammeAuthorisation.State.DISPENSED)
            .order_by("-state_changed_at", "-pk")
            .first()
        )
        dispense = Dispense.objects.filter(order_line=line).first()
        facts = facts_for_prescription(
            stage=Stage.SHIP,
            prescription=line.prescription,
            product=line.product,
            moment=moment,
            ship_to_state=ship_to,
            authorisation=rma,
            authorisation_obtained_by=rma.obtained_by if rma is not None else None,
            authorisation_obtained_at=rma.obtained_at if rma is not None else None,
            medication_guide_recorded=bool(dispense and dispense.medication_guide_included),
            promised_delivery_on=contents["promised"],
        )
        subject = subjects.for_order_line(
            prescription_id=line.prescription_id, order_number=order.number, line_id=line.pk
        )
        evaluation = evaluate_and_record(facts=facts, subject=subject, actor=actor)
        refusals += [
            f"{line.title}: {finding.pharmacist_message}"
            for finding in evaluation.findings
            if finding.severity == Severity.BLOCK
        ]
    return " ".join(refusals) or None


def _record_parcel(order, *, parcel: Parcel, contents: dict, actor) -> Shipment:
    event_type, _ = ShippingEventType.objects.get_or_create(name=SHIPPED_EVENT)
    carrier = carriers.Carrier(parcel.carrier)
    event = order.shipping_events.create(event_type=event_type, notes=f"{carrier.label} {contents['tracking']}")
    shipment = Shipment.objects.create(
        order=order,
        carrier=carrier.value,
        tracking_number=contents["tracking"],
        shipping_method=contents["method"],
        shipped_on=contents["shipped_on"],
        promised_delivery_on=contents["promised"],
        shipped_by=actor,
        shipped_by_name=_name(actor)[:255],
        shipping_event=event,
    )
    shipped = shipped_quantities(order)
    for line, quantity in contents["lines"].items():
        # Oscar refuses more units than the line has (InvalidShippingEvent), a second guard.
        event.line_quantities.create(line=line, quantity=quantity)
        ShipmentLine.objects.create(shipment=shipment, order_line=line, quantity=quantity)
        if shipped.get(line.pk, 0) + quantity >= line.quantity:
            orders.change_line_status(
                line=line,
                to=LineStatus.SHIPPED,
                actor=actor,
                via=R.SHIPPING,
                note=f"{carrier.label} {contents['tracking']}",
            )
    # Through the outbox: the e-mail exists exactly when the parcel is committed.
    outbox.enqueue("prescriptions.tasks.send_parcel_shipped_email", shipment.pk)
    return shipment


def _all_shipped(order) -> bool:
    return all(line.status in (LineStatus.SHIPPED, LineStatus.CANCELLED) for line in order.lines.all())


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
            voided = payments.void_expiring_authorisation(
                authorisation_id=authorisation_id, reason=EXPIRY_REASON, now=now
            )
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
        order.notes.create(
            note_type=OrderNote.SYSTEM,
            message=(f"{reason} The order stays “{order.status}” ({exc}); its payment must be settled by hand."),
        )


# --- Oscar's order dashboard ----------------------------------------------------------------


def statuses_for_staff(order) -> list[OrderStatus]:
    """What oscar's order dashboard offers for ``order``: the changes ``change_status_as_staff``
    would make. Never "Shipped": an order ships on the ship screen, parcel by parcel."""
    payment = authorisation_for(order)
    return [to for to in orders.next_statuses(order) if _staff_refusal(order, to, payment) is None]


def ship_screen_refusal(order) -> str:
    """What oscar's order dashboard says when "Shipped" is chosen, for any order."""
    url = reverse("dashboard:ship-order", kwargs={"number": order.number})
    return (
        f"Order {order.number} is not shipped from here: record each parcel, with its carrier and tracking "
        f"number, on the ship screen ({url}), which checks the delivery date, takes the payment and "
        "e-mails the customer."
    )


def _staff_refusal(order, to: OrderStatus, payment) -> str | None:
    held = payment is not None and payment.state == AUTHORISED
    if to == S.SHIPPED:  # only the ship screen ships (``ship_order``, with a parcel)
        return ship_screen_refusal(order)
    if to == S.CANCELLED:  # cancelling voids a held card first
        refusal = orders.route_refusal(order, to=to, via=R.STAFF)
        if refusal is not None or held:
            return refusal
        return orders.money_refusal(order, to=to, payment=payment)
    return orders.order_refusal(order, to=to, via=R.STAFF, payment=payment)


def change_status_as_staff(*, order, to, actor, note: str = ""):
    """A status chosen on oscar's order dashboard (single order or bulk action), by any staff
    role (superusers included).

    "Shipped" is refused for every order, prescription or not: an order ships only on the ship
    screen (``ship_order`` with a parcel: carrier and tracking number, the ship permission, the
    rules at SHIP, the customer's e-mail). "Cancelled" cancels it (``cancel_order``: the card
    hold is voided first); anything else goes through the door by the staff route, which never
    makes an order "Dispensed". Raises ``OrderStatusRefused`` or a ``PaymentProblem``, whose
    text is for the staff member.
    """
    if to == S.SHIPPED:
        raise OrderStatusRefused(ship_screen_refusal(order))
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


def refund_order(
    *,
    order,
    actor,
    reason_code: str,
    note: str = "",
    whole: bool = False,
    line_quantities: dict[int, int] | None = None,
    shipping: bool = False,
):
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
        amount = (
            sum(
                (
                    (line.line_price_incl_tax / line.quantity * qty).quantize(Decimal("0.01"))
                    for line, qty in zip(lines, quantities, strict=False)
                ),
                Decimal("0.00"),
            )
            + shipping_amount
        )
        if whole:
            # Whatever is left (surcharges, rounding) goes back with a whole-order refund.
            payment = authorisation_for(locked)
            amount = payment.refundable if payment is not None else amount
        if amount <= 0:
            raise PaymentNotAllowed("Nothing to refund: choose lines, quantities or the shipping.")
        reason = str(labels[reason_code]) + (f": {note}" if note else "")
        authorisation = payments.refund_payment(
            order=locked,
            amount=amount,
            reason=reason[:255],
            actor=actor,
            lines=lines,
            line_quantities=quantities,
            shipping_amount=shipping_amount,
            reason_code=reason_code,
            note=note,
        )
        return authorisation.refunds.order_by("-pk").first()
