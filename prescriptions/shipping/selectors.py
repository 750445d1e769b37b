"""Reads for the ship screen."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q
from oscar.core.loading import get_model

from payments.models import PaymentAuthorisation
from prescriptions.models import Shipment
from prescriptions.orders import OrderStatus

Order = get_model("order", "Order")
Line = get_model("order", "Line")

_PAID_OR_HELD = (PaymentAuthorisation.State.AUTHORISED, PaymentAuthorisation.State.CAPTURED)


def orders_ready_to_ship():
    """Dispensed prescription orders, and over-the-counter orders awaiting shipment whose card
    is authorised (or already captured by an earlier parcel); oldest first."""
    card_ok = PaymentAuthorisation.objects.filter(order=OuterRef("pk"), state__in=_PAID_OR_HELD)
    return (
        Order.objects.alias(card_ok=Exists(card_ok))
        .filter(Q(status=OrderStatus.DISPENSED) | Q(status=OrderStatus.AWAITING_SHIPMENT, card_ok=True))
        .select_related("user", "shipping_address")
        .prefetch_related(Prefetch("lines", queryset=Line.objects.order_by("pk")), "shipments")
        .order_by("date_placed", "pk")
    )


def order_for_shipping(*, number: str):
    return (
        Order.objects.select_related("user", "shipping_address")
        .prefetch_related(
            Prefetch("lines", queryset=Line.objects.select_related("product").order_by("pk")),
            Prefetch("shipments", queryset=Shipment.objects.prefetch_related("lines")),
        )
        .filter(number=number)
        .first()
    )
