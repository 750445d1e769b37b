"""Two status changes of one order at the same moment (PostgreSQL row locks): the order is
locked first, then its payment, so exactly one happens and the money agrees with it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from payments.models import PaymentAuthorisation
from prescriptions import fulfilment
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.models import Dispense
from prescriptions.orders import OrderStatus, OrderStatusRefused
from tests.dispensing.test_gate_and_dispense import place_rx_order, rma
from tests.factories.orders import ship
from tests.review.test_claims import postgres_only, run_together

from .conftest import authorise, make_order, otc_product

Order = get_model("order", "Order")
State = PaymentAuthorisation.State


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_dispense_and_a_dashboard_cancel_at_the_same_moment_never_both_happen(
    alice_client, alice, technician, pharmacist, shop_admin, localstripe
):
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist)
    order_pk = Order.objects.get().pk

    def dispense():
        order = Order.objects.get(pk=order_pk)
        rx_line = order.lines.get(product__upc="RX-ISO-20")
        return dispensing.dispense_order(
            order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=True
        )

    def cancel():
        return fulfilment.change_status_as_staff(
            order=Order.objects.get(pk=order_pk), to=OrderStatus.CANCELLED, actor=shop_admin
        )

    (dispense_kind, dispense_result), (cancel_kind, cancel_result) = run_together(dispense, cancel)

    order = Order.objects.get(pk=order_pk)
    payment = PaymentAuthorisation.objects.get(order=order)
    prescription.refresh_from_db()
    if order.status == OrderStatus.DISPENSED:
        assert dispense_kind == "ok" and dispense_result.dispensed
        assert cancel_kind == "error" and isinstance(cancel_result, OrderStatusRefused)
        assert payment.state == State.CAPTURED and prescription.fills_used == 1
    else:
        assert order.status == OrderStatus.CANCELLED
        assert cancel_kind == "ok"
        assert dispense_kind == "error" and isinstance(dispense_result, dispensing.DispenseRefused)
        assert payment.state == State.VOIDED and prescription.fills_used == 0
        assert not Dispense.objects.filter(order_line__order=order).exists()


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_the_expiry_job_and_shipping_at_the_same_moment_never_void_a_shipped_order(localstripe, customer, shop_admin):
    with transaction.atomic():  # as checkout places it
        otc_order = make_order([(otc_product("12.50"), 2)], status=OrderStatus.AWAITING_SHIPMENT, user=customer)
        authorisation = authorise(otc_order)
    authorisation.authorised_at = timezone.now() - timedelta(days=7)
    authorisation.expires_at = authorisation.authorised_at + timedelta(days=7, hours=1)  # due, not yet expired
    authorisation.save()

    (expire_kind, expired), (ship_kind, shipped) = run_together(
        lambda: fulfilment.expire_authorisation(authorisation_id=authorisation.pk),
        lambda: ship(Order.objects.get(pk=otc_order.pk), shop_admin),
    )

    order = Order.objects.get(pk=otc_order.pk)
    authorisation.refresh_from_db()
    assert expire_kind == "ok", expired
    if order.status == OrderStatus.SHIPPED:
        assert ship_kind == "ok" and expired is False
        assert authorisation.state == State.CAPTURED
        # Only the shipped parcel's tracking e-mail: no "your card hold expired" one.
        assert [m.subject for m in mail.outbox if "tracking" not in m.body.lower()] == []
    else:
        assert order.status == OrderStatus.CANCELLED and expired is True
        assert ship_kind == "error" and isinstance(shipped, OrderStatusRefused)
        assert authorisation.state == State.VOIDED
        assert len(mail.outbox) == 1
