"""The order-status door: every change of an order's or an order line's status goes through here.

Oscar keeps an order's status as a string that any code may move with
``set_status``. In a pharmacy a status carries law and money: "Dispensed" means
a pharmacist ran the rules for now, used a fill of the prescription and took
the payment; "Shipped" means the payment was taken. So:

- The status names are spelt here and nowhere else in Python (``OrderStatus``,
  ``LineStatus``). Oscar reads ``OSCAR_ORDER_STATUS_PIPELINE`` and
  ``OSCAR_LINE_STATUS_PIPELINE`` from settings when it defines its models, so
  they stay there; the system check ``check_status_pipelines`` (registered by
  ``PrescriptionsConfig``) refuses settings that differ from the tables below.
- Each transition names the routes (``Route``) that may make it: an order with
  prescription lines becomes Dispensed only by dispensing, anything becomes
  Shipped only by shipping, staff on oscar's dashboard may cancel, complete and
  (through shipping) ship, never dispense.
- The money must agree, whatever the route: Dispensed and Shipped only with the
  card payment captured; Cancelled only with it voided or refunded in full (or
  with no card payment at all).
- ``change_order_status`` locks the order and then its payment (the order in
  which payments locks them), checks all of that, calls oscar's ``set_status``
  (so oscar's status history and ``order_status_changed`` signal still happen),
  moves the lines that follow the order (with their stock allocations) and
  writes an order note saying who, by which route, and why. The forked order
  models (``shop/apps/order/models.py``) refuse a status saved any other way.

The door moves statuses; it never moves money. The actions that take or give
back money and then move the status — ship, cancel, the authorisation-expiry
job, the dashboard's choices — are in ``prescriptions.fulfilment``; dispensing
is ``prescriptions.dispensing.services.dispense_order``. Each sends its own
customer e-mail, since what to say depends on why the status moved.

This module imports nothing that needs the app registry at import time, so
model modules may use the status names.
"""

from __future__ import annotations

from enum import StrEnum

from django.apps import apps
from django.conf import settings
from django.core import checks
from django.db import transaction
from django.utils.translation import gettext, gettext_noop

from payments.models import PaymentAuthorisation
from payments.selectors import authorisation_for
from prescriptions.drugs import requires_prescription

from .exceptions import LineStatusRefused, OrderStatusRefused, StatusRefused  # noqa: F401  (callers import them from here)

PaymentState = PaymentAuthorisation.State


class OrderStatus(StrEnum):
    AWAITING_DISPENSE = "Awaiting dispense"
    DISPENSED = "Dispensed"
    AWAITING_SHIPMENT = "Awaiting shipment"
    SHIPPED = "Shipped"
    COMPLETE = "Complete"
    CANCELLED = "Cancelled"


class LineStatus(StrEnum):
    PENDING = "Pending"
    DISPENSED = "Dispensed"
    SHIPPED = "Shipped"
    CANCELLED = "Cancelled"


# The statuses are stored in English (oscar's pipeline); the customer reads them in their language.
_STATUS_NAMES = (
    gettext_noop("Awaiting dispense"),
    gettext_noop("Dispensed"),
    gettext_noop("Awaiting shipment"),
    gettext_noop("Shipped"),
    gettext_noop("Complete"),
    gettext_noop("Cancelled"),
    gettext_noop("Pending"),
)


class StatusForDisplay(str):
    """An order's stored status that shows itself in the reader's language: equal to the stored
    English value (comparisons and the door are unchanged), printed translated. Only for pages
    that show an order; never saved."""

    def __str__(self) -> str:
        return gettext(str.__str__(self))


class Route(StrEnum):
    """Who moves the status, and so which transitions are open."""

    CHECKOUT = "checkout"  # creates the order in its first status (initial_order_status); moves none
    DISPENSING = "dispensing"  # the pharmacist's dispense screen (prescriptions.dispensing)
    SHIPPING = "shipping"  # the parcel goes out (prescriptions.fulfilment.ship_order)
    PAYMENTS = "payments"  # the money went away by itself: the expiry job, Stripe cancelled the authorisation
    CUSTOMER = "customer"  # the customer cancels their own order
    STAFF = "staff"  # oscar's order dashboard, any staff role

    @property
    def label(self) -> str:
        return _ROUTE_LABELS[self]


_ROUTE_LABELS = {
    Route.CHECKOUT: "checkout",
    Route.DISPENSING: "the dispense screen",
    Route.SHIPPING: "shipping",
    Route.PAYMENTS: "the payment system",
    Route.CUSTOMER: "the customer",
    Route.STAFF: "the order dashboard",
}

S, L, R = OrderStatus, LineStatus, Route

# The first status of an order (checkout picks one: initial_order_status).
INITIAL_ORDER_STATUSES = (S.AWAITING_DISPENSE, S.AWAITING_SHIPMENT)
INITIAL_LINE_STATUS = L.PENDING

# from -> {to: the routes that may make that change}.
ORDER_TRANSITIONS: dict[OrderStatus, dict[OrderStatus, frozenset[Route]]] = {
    S.AWAITING_DISPENSE: {
        S.DISPENSED: frozenset({R.DISPENSING}),
        S.CANCELLED: frozenset({R.DISPENSING, R.PAYMENTS, R.CUSTOMER, R.STAFF}),
    },
    S.DISPENSED: {
        S.SHIPPED: frozenset({R.SHIPPING}),
        # The medicine was dispensed and paid for: only staff, and only once the payment is refunded in full.
        S.CANCELLED: frozenset({R.STAFF}),
    },
    S.AWAITING_SHIPMENT: {
        S.SHIPPED: frozenset({R.SHIPPING}),
        S.CANCELLED: frozenset({R.PAYMENTS, R.CUSTOMER, R.STAFF}),
    },
    S.SHIPPED: {
        S.COMPLETE: frozenset({R.STAFF}),  # delivered
    },
    S.COMPLETE: {},
    S.CANCELLED: {},
}

# A line moves on its own at the dispense step and when its last unit leaves in a
# parcel (an order may ship in several); otherwise it follows its order
# (LINES_FOLLOW). An empty set of routes: only when the order moves.
LINE_TRANSITIONS: dict[LineStatus, dict[LineStatus, frozenset[Route]]] = {
    L.PENDING: {
        L.DISPENSED: frozenset({R.DISPENSING}),
        L.SHIPPED: frozenset({R.SHIPPING}),  # an over-the-counter line of an order ready to ship
        L.CANCELLED: frozenset({R.DISPENSING}),  # a line that fails the rules; the rest go out
    },
    L.DISPENSED: {
        L.SHIPPED: frozenset({R.SHIPPING}),
        L.CANCELLED: frozenset(),
    },
    L.SHIPPED: {},
    L.CANCELLED: {},
}

# When the order reaches one of these, each line that can follow does, and its
# stock allocation is consumed (shipped) or released (cancelled).
LINES_FOLLOW: dict[OrderStatus, LineStatus] = {S.SHIPPED: L.SHIPPED, S.CANCELLED: L.CANCELLED}

# What settings' OSCAR_*_STATUS_PIPELINE must say (oscar's shape: status -> next statuses).
ORDER_PIPELINE: dict[str, tuple[str, ...]] = {
    str(status): tuple(str(to) for to in targets) for status, targets in ORDER_TRANSITIONS.items()
}
LINE_PIPELINE: dict[str, tuple[str, ...]] = {
    str(status): tuple(str(to) for to in targets) for status, targets in LINE_TRANSITIONS.items()
}

# Orders whose card hold may still be released: nothing was dispensed or shipped.
WAITING_STATUSES = (S.AWAITING_DISPENSE, S.AWAITING_SHIPMENT)


# --- Checkout ------------------------------------------------------------------------


def initial_order_status(basket) -> OrderStatus:
    """A basket with any prescription line waits for the pharmacist; otherwise for shipping."""
    if any(requires_prescription(line.product) for line in basket.all_lines()):
        return S.AWAITING_DISPENSE
    return S.AWAITING_SHIPMENT


# --- Questions -----------------------------------------------------------------------


def is_prescription_line(line) -> bool:
    return line.prescription_id is not None or (line.product is not None and requires_prescription(line.product))


def has_prescription_lines(order) -> bool:
    return any(is_prescription_line(line) for line in order.lines.select_related("product"))


def next_statuses(order) -> tuple[OrderStatus, ...]:
    """Every status the table lets this order move to, by some route."""
    return tuple(ORDER_TRANSITIONS.get(_known(order.status), {}))


def route_refusal(order, *, to, via: Route) -> str | None:
    """Why ``via`` may not move ``order`` to ``to`` (the table and the order's lines), or None."""
    number, current = order.number, order.status
    try:
        to = OrderStatus(to)
    except ValueError:
        return f"“{to}” is not an order status."
    routes = ORDER_TRANSITIONS.get(_known(current), {}).get(to)
    if routes is None:
        if to == S.SHIPPED and current == S.AWAITING_DISPENSE:
            return f"Order {number} has prescription items a pharmacist has not dispensed yet; it cannot ship."
        return f"Order {number} is “{current}”; it cannot become “{to}”."
    if via not in routes:
        if to == S.DISPENSED:
            return (
                f"Order {number} becomes “{to}” only when a pharmacist dispenses it on the dispense screen, "
                "where the rules are checked, the prescription's fill is used and the card is charged."
            )
        if to == S.SHIPPED:
            return f"Order {number} becomes “{to}” only by shipping it, which takes the payment first."
        return f"Order {number} is “{current}”; {via.label} cannot make it “{to}”."
    if to == S.SHIPPED and current == S.AWAITING_SHIPMENT and has_prescription_lines(order):
        return f"Order {number} has prescription items; a pharmacist must dispense them before it ships."
    return None


def money_refusal(order, *, to, payment: PaymentAuthorisation | None) -> str | None:
    """Why the payment does not allow ``to`` yet, or None."""
    number = order.number
    if to in (S.DISPENSED, S.SHIPPED):
        if payment is None:
            return f"Order {number} has no card payment; it cannot become “{to}”."
        if payment.state != PaymentState.CAPTURED:
            return (
                f"Order {number} has not been paid for (the card payment is "
                f"{payment.get_state_display().lower()}); it cannot become “{to}” before the payment is taken."
            )
    if to == S.CANCELLED and payment is not None:
        if payment.state == PaymentState.CAPTURED and payment.refundable > 0:
            return (
                f"Order {number} was paid ({payment.amount_captured} captured, {payment.amount_refunded} "
                f"refunded); refund the remaining {payment.refundable} before cancelling it."
            )
        if payment.state not in (PaymentState.CAPTURED, PaymentState.VOIDED):
            return (
                f"The card authorisation of order {number} is still held; it must be voided before the "
                "order is cancelled."
            )
    return None


def order_refusal(order, *, to, via: Route, payment: PaymentAuthorisation | None) -> str | None:
    return route_refusal(order, to=to, via=via) or money_refusal(order, to=to, payment=payment)


def line_refusal(line, *, order, to, via: Route) -> str | None:
    try:
        to = LineStatus(to)
    except ValueError:
        return f"“{to}” is not an order line status."
    current = line.status
    routes = LINE_TRANSITIONS.get(_known_line(current), {}).get(to)
    what = f"Line {line.pk} ({line.title}) of order {order.number}"
    if routes is None:
        return f"{what} is “{current}”; it cannot become “{to}”."
    if via not in routes:
        if to == L.DISPENSED:
            return (
                f"{what} becomes “{to}” only when a pharmacist dispenses the order on the dispense screen, "
                "where the rules are checked, the prescription's fill is used and the card is charged."
            )
        return f"{what} becomes “{to}” only with its order: change the order's status instead."
    if to == L.DISPENSED and not (order.status == S.AWAITING_DISPENSE and is_prescription_line(line)):
        return f"{what} is not a prescription item waiting to be dispensed."
    if to == L.SHIPPED:
        if order.status not in (S.DISPENSED, S.AWAITING_SHIPMENT):
            return f"{what} cannot ship: order {order.number} is “{order.status}”."
        if order.status == S.AWAITING_SHIPMENT and is_prescription_line(line):
            return f"{what} is a prescription item a pharmacist has not dispensed; it cannot ship."
    return None


# --- The door --------------------------------------------------------------------------


def change_order_status(*, order, to, actor, via: Route, note: str = ""):
    """Move ``order`` to ``to`` by route ``via``, or raise ``OrderStatusRefused`` saying why.

    One transaction: locks the order, then its payment; checks the transition
    for the route and the money (see the module docstring); calls oscar's
    ``set_status``; moves the lines that follow the order with their stock
    allocations; writes an order note (``actor``, route, ``note``). Asking for
    the status the order already has changes nothing (a task run twice).
    Returns the locked order; the caller's ``order`` shows the new status too.
    """
    via = Route(via)
    Order = apps.get_model("order", "Order")
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        if locked.status == to:
            return _synced(order, locked)
        payment = authorisation_for(locked, lock=True)
        refusal = order_refusal(locked, to=to, via=via, payment=payment)
        if refusal is not None:
            raise OrderStatusRefused(refusal)
        to = OrderStatus(to)
        before = locked.status
        follow = LINES_FOLLOW.get(to)
        with Order.status_door():
            if follow is not None:
                for line in locked.lines.order_by("pk"):
                    if follow in LINE_PIPELINE.get(line.status, ()):
                        _move_line(line, follow)
            locked.set_status(to.value)
        _note(locked, actor=actor, text=f"Order status “{before}” → “{to}” ({via.label})", note=note)
    return _synced(order, locked)


def change_line_status(*, line, to, actor, via: Route, note: str = ""):
    """Move one order line by route ``via``, or raise ``LineStatusRefused`` saying why.

    Lines move on their own only at the dispense step (dispensed, or cancelled
    because they fail the rules); otherwise they follow their order. Locks the
    order first, as ``change_order_status`` does.
    """
    via = Route(via)
    Order = apps.get_model("order", "Order")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=line.order_id)
        locked = order.lines.get(pk=line.pk)
        if locked.status == to:
            return _synced(line, locked)
        refusal = line_refusal(locked, order=order, to=to, via=via)
        if refusal is not None:
            raise LineStatusRefused(refusal)
        to = LineStatus(to)
        before = locked.status
        with Order.status_door():
            _move_line(locked, to)
        _note(
            order, actor=actor, text=f"Line {locked.pk} ({locked.title}) “{before}” → “{to}” ({via.label})", note=note
        )
    return _synced(line, locked)


def _move_line(line, to: LineStatus) -> None:
    # What oscar's EventHandler does around a shipping or cancellation event.
    if to == L.CANCELLED:
        line.cancel_allocation(line.quantity)
    elif to == L.SHIPPED:
        line.consume_allocation(line.quantity)
    line.set_status(to.value)


def _note(order, *, actor, text: str, note: str) -> None:
    OrderNote = apps.get_model("order", "OrderNote")
    message = f"{text}: {note}" if note else f"{text}."
    order.notes.create(message=message, note_type=OrderNote.SYSTEM, user=actor if getattr(actor, "pk", None) else None)


def _synced(instance, locked):
    if instance is not locked:
        instance.refresh_from_db(fields=["status"])
    return locked


def _known(status) -> OrderStatus | None:
    try:
        return OrderStatus(status)
    except ValueError:
        return None


def _known_line(status) -> LineStatus | None:
    try:
        return LineStatus(status)
    except ValueError:
        return None


# --- Settings must agree (a Django system check) ----------------------------------------


def check_status_pipelines(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Oscar reads the pipelines from settings; they must say what this door's tables say."""

    def same(pipeline, ours) -> bool:
        return {str(k): set(v) for k, v in (pipeline or {}).items()} == {k: set(v) for k, v in ours.items()}

    problems = []
    if not same(getattr(settings, "OSCAR_ORDER_STATUS_PIPELINE", None), ORDER_PIPELINE):
        problems.append(
            checks.Error(
                "OSCAR_ORDER_STATUS_PIPELINE differs from the order-status door's table.",
                hint=f"Set it to {ORDER_PIPELINE!r} (prescriptions.orders.ORDER_TRANSITIONS).",
                id="prescriptions.E001",
            )
        )
    if not same(getattr(settings, "OSCAR_LINE_STATUS_PIPELINE", None), LINE_PIPELINE):
        problems.append(
            checks.Error(
                "OSCAR_LINE_STATUS_PIPELINE differs from the order-status door's table.",
                hint=f"Set it to {LINE_PIPELINE!r} (prescriptions.orders.LINE_TRANSITIONS).",
                id="prescriptions.E002",
            )
        )
    if getattr(settings, "OSCAR_INITIAL_LINE_STATUS", None) != INITIAL_LINE_STATUS:
        problems.append(
            checks.Error(f"OSCAR_INITIAL_LINE_STATUS must be “{INITIAL_LINE_STATUS}”.", id="prescriptions.E003")
        )
    if getattr(settings, "OSCAR_INITIAL_ORDER_STATUS", None) not in INITIAL_ORDER_STATUSES:
        problems.append(
            checks.Error(
                f"OSCAR_INITIAL_ORDER_STATUS must be one of {[str(s) for s in INITIAL_ORDER_STATUSES]}.",
                id="prescriptions.E004",
            )
        )
    if getattr(settings, "OSCAR_ORDER_STATUS_CASCADE", None):
        # Oscar's cascade would move lines behind the door's back (no stock allocation handled).
        problems.append(
            checks.Error(
                "OSCAR_ORDER_STATUS_CASCADE must be empty: the order-status door moves the lines.",
                id="prescriptions.E005",
            )
        )
    return problems
