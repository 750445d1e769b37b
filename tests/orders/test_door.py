"""The order-status door: transitions by route, the money that must agree, and nothing around it."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core import checks
from oscar.apps.order.signals import order_status_changed
from oscar.core.loading import get_class, get_model

from payments import services as payments
from payments.models import PaymentAuthorisation
from prescriptions import orders
from prescriptions.orders import (
    LineStatus,
    LineStatusRefused,
    OrderStatus,
    OrderStatusRefused,
    Route,
    change_line_status,
    change_order_status,
)
from shop.apps.order.models import StatusChangeOutsideDoor
from tests.factories.prescriptions import PrescriptionFactory

from .conftest import make_order, otc_product

Order = get_model("order", "Order")
OrderNote = get_model("order", "OrderNote")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def rx_line(order):
    return order.lines.get(product__title="Isotretinoin 20 mg")


def dispense(order, pharmacist, *, capture: bool = True):
    """What the dispense step does to the status, once the rules passed and the card was captured.
    The prescription line gets a verified prescription, as the dispense step requires (and the
    rules at ship read)."""
    line = rx_line(order)
    if line.prescription_id is None:
        line.prescription = PrescriptionFactory(verified=True, customer=order.user, product=line.product)
        line.save(update_fields=["prescription"])
    if capture:
        payments.capture_payment(order=order, actor=pharmacist)
    change_line_status(line=rx_line(order), to=LineStatus.DISPENSED, actor=pharmacist, via=Route.DISPENSING)
    change_order_status(order=order, to=OrderStatus.DISPENSED, actor=pharmacist, via=Route.DISPENSING)


# --- Settings must agree -------------------------------------------------------------------


def test_settings_pipelines_are_the_doors_tables():
    assert orders.check_status_pipelines() == []


def test_the_system_check_refuses_settings_that_let_oscar_skip_a_step(settings):
    settings.OSCAR_ORDER_STATUS_PIPELINE = {
        **settings.OSCAR_ORDER_STATUS_PIPELINE,
        "Awaiting dispense": ("Dispensed", "Shipped", "Cancelled"),
    }
    settings.OSCAR_LINE_STATUS_PIPELINE = {**settings.OSCAR_LINE_STATUS_PIPELINE, "Cancelled": ("Pending",)}
    settings.OSCAR_ORDER_STATUS_CASCADE = {"Shipped": "Shipped"}
    ids = {message.id for message in orders.check_status_pipelines()}
    assert ids == {"prescriptions.E001", "prescriptions.E002", "prescriptions.E005"}
    # Registered: `manage.py check` runs it.
    assert {"prescriptions.E001", "prescriptions.E002"} <= {m.id for m in checks.run_checks()}


# --- Dispensed ------------------------------------------------------------------------------


@pytest.mark.parametrize("route", [r for r in Route if r != Route.DISPENSING])
def test_an_rx_order_becomes_dispensed_only_by_dispensing(rx_order, pharmacist, route):
    payments.capture_payment(order=rx_order, actor=pharmacist)
    with pytest.raises(OrderStatusRefused, match="dispense screen"):
        change_order_status(order=rx_order, to=OrderStatus.DISPENSED, actor=pharmacist, via=route)
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE


def test_dispensing_without_the_card_captured_is_refused(rx_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="has not been paid for"):
        change_order_status(order=rx_order, to=OrderStatus.DISPENSED, actor=pharmacist, via=Route.DISPENSING)
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.AWAITING_DISPENSE


def test_a_line_becomes_dispensed_only_by_dispensing_and_otherwise_follows_its_order(rx_order, pharmacist):
    line = rx_line(rx_order)
    for route in (Route.STAFF, Route.SHIPPING, Route.CUSTOMER):
        with pytest.raises(LineStatusRefused, match="dispense screen"):
            change_line_status(line=line, to=LineStatus.DISPENSED, actor=pharmacist, via=route)
    with pytest.raises(LineStatusRefused, match="only with its order"):
        change_line_status(line=line, to=LineStatus.SHIPPED, actor=pharmacist, via=Route.STAFF)
    # Shipping moves a line on its own (a parcel), but never one of an order not dispensed.
    with pytest.raises(LineStatusRefused, match="cannot ship"):
        change_line_status(line=line, to=LineStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    with pytest.raises(LineStatusRefused, match="only with its order"):
        change_line_status(line=line, to=LineStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)
    otc_line = rx_order.lines.get(product__title="Lip balm")
    with pytest.raises(LineStatusRefused, match="not a prescription item"):
        change_line_status(line=otc_line, to=LineStatus.DISPENSED, actor=pharmacist, via=Route.DISPENSING)
    assert set(rx_order.lines.values_list("status", flat=True)) == {LineStatus.PENDING}


# --- Shipped ---------------------------------------------------------------------------------


def test_shipped_only_by_shipping_and_only_once_the_card_is_captured(otc_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="only by shipping it"):
        change_order_status(order=otc_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.STAFF)
    with pytest.raises(OrderStatusRefused, match="has not been paid for"):
        change_order_status(order=otc_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT

    payments.capture_payment(order=otc_order, actor=pharmacist)
    change_order_status(order=otc_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    assert otc_order.status == OrderStatus.SHIPPED  # the caller's instance follows
    assert set(otc_order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}
    assert all(line.num_allocated == 0 for line in otc_order.lines.all())  # the stock went out


def test_an_rx_order_never_ships_before_it_is_dispensed(rx_order, pharmacist):
    payments.capture_payment(order=rx_order, actor=pharmacist)
    with pytest.raises(OrderStatusRefused, match="not dispensed yet"):
        change_order_status(order=rx_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    dispense(rx_order, pharmacist, capture=False)
    change_order_status(order=rx_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.SHIPPED


def test_an_order_with_prescription_items_never_ships_from_awaiting_shipment(db, localstripe, customer, pharmacist):
    """However it got there (an order placed before the gate), prescription items wait for the pharmacist."""
    from .conftest import authorise, prescription_product

    order = make_order([(prescription_product("50.00"), 1)], status=OrderStatus.AWAITING_SHIPMENT, user=customer)
    authorise(order)
    payments.capture_payment(order=order, actor=pharmacist)
    with pytest.raises(OrderStatusRefused, match="has prescription items"):
        change_order_status(order=order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)


# --- Cancelled --------------------------------------------------------------------------------


def test_cancelled_only_once_the_card_hold_is_voided(rx_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="still held; it must be voided"):
        change_order_status(order=rx_order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)

    payments.void_payment(order=rx_order, reason="Customer asked.", actor=pharmacist)
    seen = []

    def receiver(sender, order, old_status, new_status, **kwargs):
        seen.append((old_status, new_status))

    order_status_changed.connect(receiver)
    try:
        change_order_status(
            order=rx_order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF, note="Customer asked."
        )
    finally:
        order_status_changed.disconnect(receiver)

    assert rx_order.status == OrderStatus.CANCELLED
    assert set(rx_order.lines.values_list("status", flat=True)) == {LineStatus.CANCELLED}
    assert all(line.num_allocated == 0 and line.allocation_cancelled for line in rx_order.lines.all())
    # Oscar's own history and signal still happen; the note says who, how and why.
    assert seen == [(OrderStatus.AWAITING_DISPENSE, OrderStatus.CANCELLED)]
    assert list(rx_order.status_changes.values_list("old_status", "new_status")) == [("Awaiting dispense", "Cancelled")]
    note = rx_order.notes.get()
    assert note.user == pharmacist and note.note_type == OrderNote.SYSTEM
    assert note.message == "Order status “Awaiting dispense” → “Cancelled” (the order dashboard): Customer asked."


def test_a_dispensed_order_is_cancelled_only_by_staff_and_only_once_refunded_in_full(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    with pytest.raises(OrderStatusRefused, match="the customer cannot make it “Cancelled”"):
        change_order_status(order=rx_order, to=OrderStatus.CANCELLED, actor=None, via=Route.CUSTOMER)
    with pytest.raises(OrderStatusRefused, match=r"refund the remaining 75.00"):
        change_order_status(order=rx_order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)
    payments.refund_payment(order=rx_order, amount=D("70.00"), reason="Damaged.", actor=pharmacist)
    with pytest.raises(OrderStatusRefused, match=r"refund the remaining 5.00"):
        change_order_status(order=rx_order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)
    payments.refund_payment(order=rx_order, amount=D("5.00"), reason="Damaged.", actor=pharmacist)
    change_order_status(order=rx_order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)
    assert rx_line(rx_order).status == LineStatus.CANCELLED


def test_finished_orders_go_nowhere(otc_order, pharmacist):
    payments.capture_payment(order=otc_order, actor=pharmacist)
    change_order_status(order=otc_order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    change_order_status(order=otc_order, to=OrderStatus.COMPLETE, actor=pharmacist, via=Route.STAFF)
    for to in (OrderStatus.CANCELLED, OrderStatus.AWAITING_SHIPMENT, "Lost in the post"):
        with pytest.raises(OrderStatusRefused):
            change_order_status(order=otc_order, to=to, actor=pharmacist, via=Route.STAFF)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.COMPLETE


def test_asking_for_the_status_an_order_has_changes_nothing(rx_order, pharmacist):
    change_order_status(order=rx_order, to=OrderStatus.AWAITING_DISPENSE, actor=pharmacist, via=Route.STAFF)
    assert not rx_order.notes.exists() and not rx_order.status_changes.exists()


# --- Nothing goes around the door ---------------------------------------------------------------


def test_a_status_saved_outside_the_door_is_refused(otc_order, pharmacist):
    payments.capture_payment(order=otc_order, actor=pharmacist)
    order = Order.objects.get(pk=otc_order.pk)
    with pytest.raises(StatusChangeOutsideDoor):
        order.set_status(OrderStatus.SHIPPED)  # oscar's own method, called directly
    order = Order.objects.get(pk=otc_order.pk)
    order.status = OrderStatus.SHIPPED
    with pytest.raises(StatusChangeOutsideDoor):
        order.save()
    line = otc_order.lines.first()
    with pytest.raises(StatusChangeOutsideDoor):
        line.set_status(LineStatus.SHIPPED)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT
    # Other fields save as before.
    order = Order.objects.get(pk=otc_order.pk)
    order.guest_email = "someone@example.com"
    order.save(update_fields=["guest_email"])


def test_oscars_event_handler_changes_a_status_through_the_door_as_staff(rx_order, pharmacist):
    handler = get_class("order.processing", "EventHandler")(user=pharmacist)
    payments.capture_payment(order=rx_order, actor=pharmacist)
    with pytest.raises(OrderStatusRefused, match="dispense screen"):
        handler.handle_order_status_change(rx_order, OrderStatus.DISPENSED)
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.AWAITING_DISPENSE


def test_payments_neither_imports_prescriptions_nor_spells_a_status():
    """Payments is a leaf below prescriptions: it never sets an order's status."""
    import ast
    from pathlib import Path

    names = {str(s) for s in OrderStatus} | {str(s) for s in LineStatus}
    for path in (Path(__file__).resolve().parents[2] / "payments").rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                assert not (node.module or "").startswith(("prescriptions", "shop")), (path, node.lineno)
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith(("prescriptions", "shop")) for a in node.names), (path, node.lineno)
            elif isinstance(node, ast.Constant):
                assert node.value not in names, (path, node.lineno, node.value)
            elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in (
                "set_status",
                "handle_order_status_change",
            ):
                raise AssertionError(f"{path}:{node.lineno} sets an order status")


def test_an_order_without_a_card_payment_is_refused_what_needs_one(db, customer, pharmacist):
    order = make_order([(otc_product("5.00"), 1)], status=OrderStatus.AWAITING_SHIPMENT, user=customer)
    assert not order.payment_authorisations.exists()
    with pytest.raises(OrderStatusRefused, match="has no card payment"):
        change_order_status(order=order, to=OrderStatus.SHIPPED, actor=pharmacist, via=Route.SHIPPING)
    # Nothing to void: a free order may be cancelled.
    change_order_status(order=order, to=OrderStatus.CANCELLED, actor=pharmacist, via=Route.STAFF)
