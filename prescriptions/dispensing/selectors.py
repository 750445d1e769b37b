"""Reads for the dispense screens."""

from __future__ import annotations

from django.db.models import Prefetch
from oscar.core.loading import get_model

from payments.models import Refund
from prescriptions.orders import OrderStatus

from .models import ProgrammeAuthorisation

Order = get_model("order", "Order")
Line = get_model("order", "Line")


def orders_awaiting_dispense():
    """Paid (authorised) orders waiting for the pharmacist, oldest first."""
    return (
        Order.objects.filter(status=OrderStatus.AWAITING_DISPENSE)
        .select_related("user", "shipping_address")
        .prefetch_related(Prefetch("lines", queryset=Line.objects.select_related("prescription").order_by("pk")))
        .order_by("date_placed", "pk")
    )


def order_for_dispense(*, number: str):
    return (
        Order.objects.select_related("user", "shipping_address")
        .prefetch_related(
            Prefetch(
                "lines",
                queryset=Line.objects.select_related(
                    "product", "prescription", "prescription__patient", "prescription__transcription"
                ).order_by("pk"),
            )
        )
        .filter(number=number)
        .first()
    )


def rmas_to_reverse():
    return (
        ProgrammeAuthorisation.objects.filter(state=ProgrammeAuthorisation.State.REVERSAL_DUE)
        .select_related("order_line__order", "prescription")
        .order_by("state_changed_at", "pk")
    )


def order_for_refund(*, number: str):
    return (
        Order.objects.select_related("user")
        .prefetch_related(Prefetch("lines", queryset=Line.objects.order_by("pk")))
        .filter(number=number)
        .first()
    )


def refunds_of(order):
    """The order's refunds, oldest first (rxshop's and those made in the Stripe dashboard)."""
    return Refund.objects.filter(authorisation__order=order).select_related("actor").order_by("created_at", "pk")
