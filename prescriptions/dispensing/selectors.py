"""Reads for the dispense screens."""

from __future__ import annotations

from django.db.models import Prefetch
from oscar.core.loading import get_model

from payments.models import Refund
from prescriptions.orders import OrderStatus

from .models import Dispense, DispensedPack, ProgrammeAuthorisation

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


def packs_with_lot(*, lot: str, ndc: str = ""):
    """Recall: every pack of ``lot`` (and ``ndc``, when given) that went to a patient, with
    the patient, the prescription, the order and the ship-to address. Lot numbers are
    compared without regard to case (scanners and printed lots differ in case)."""
    packs = DispensedPack.objects.filter(lot__iexact=lot.strip())
    if ndc.strip():
        packs = packs.filter(ndc=ndc.strip())
    return packs.select_related(
        "dispense__prescription__patient",
        "dispense__order_line__order__user",
        "dispense__order_line__order__shipping_address__country",  # the address summary names it
    ).order_by("dispense__dispensed_at", "pk")


def recent_dispenses(limit: int = 20):
    """The latest dispenses, for their labels."""
    return Dispense.objects.select_related("order_line__order", "prescription__patient").order_by(
        "-dispensed_at", "-pk"
    )[:limit]


def dispense_for_label(*, pk: int):
    return (
        Dispense.objects.select_related(
            "order_line__order", "order_line__product", "prescription__patient", "prescription__transcription"
        )
        .prefetch_related("packs")
        .filter(pk=pk)
        .first()
    )
