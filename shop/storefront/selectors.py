"""Reads that serve the pharmacy's public pages."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from payments.models import PaymentLogEntry, Refund
from payments.selectors import authorisation_for
from prescriptions.models import PrescriptionStatus, Shipment
from prescriptions.orders import (
    LineStatus,
    OrderStatus,
    Route,
    has_prescription_lines,
    is_prescription_line,
    route_refusal,
)
from prescriptions.selectors import attachable_prescriptions_for, open_order_holds

LICENCES_CACHE_SECONDS = 600


def _licences_cache_key(today: datetime.date) -> str:
    return f"rxshop:footer-licences:{today.isoformat()}"


def active_licences():
    """The state licences in force today, for the footer (every page).

    Called lazily from templates (the context processor passes the function), so
    pages that don't show licences pay nothing. Cached for ten minutes and dropped
    whenever a licence is saved or deleted (``forget_active_licences``): licences
    change a few times a year. Display only: the ship-to rule (compliance) always
    reads the database.
    """
    from django.core.cache import cache

    from compliance.models import PharmacyLicence

    today: datetime.date = timezone.localdate()
    key = _licences_cache_key(today)
    licences = cache.get(key)
    if licences is None:
        licences = list(PharmacyLicence.objects.filter(expires_on__gte=today).order_by("state"))
        cache.set(key, licences, LICENCES_CACHE_SECONDS)
    return licences


def forget_active_licences(**_kwargs) -> None:
    from django.core.cache import cache

    cache.delete(_licences_cache_key(timezone.localdate()))


@dataclass(frozen=True)
class TimelineStep:
    when: datetime.datetime | None
    text: str
    current: bool = False


def order_timeline(order) -> list[TimelineStep]:
    """The customer's order in plain words, oldest first: placed (card authorised, not
    charged), waiting for the pharmacist, dispensed or charged, shipped, refunded, cancelled.

    Read from the payment's log and refunds and oscar's status changes; never
    oscar's own payment vocabulary, and no medicine is named."""
    payment = authorisation_for(order)
    has_rx = has_prescription_lines(order)
    steps = [
        TimelineStep(
            order.date_placed,
            (
                _("Order placed — your card was authorised for $%(amount)s, not charged.")
                % {"amount": order.total_incl_tax}
                if payment is not None
                else _("Order placed.")
            ),
        )
    ]
    events: list[tuple] = []
    changes = {change.new_status: change.date_created for change in order.status_changes.order_by("date_created")}
    if payment is not None:
        for entry in payment.log.filter(action=PaymentLogEntry.Action.CAPTURE).order_by("created_at"):
            text = (_("Dispensed — charged $%(amount)s.") if has_rx else _("Charged $%(amount)s.")) % {
                "amount": entry.amount
            }
            events.append((entry.created_at, text))
        for refund in Refund.objects.filter(authorisation=payment).order_by("created_at"):
            events.append(
                (
                    refund.created_at,
                    _("Refunded $%(amount)s (%(reason)s).")
                    % {"amount": refund.amount, "reason": str(refund.get_reason_code_display()).lower()},
                )
            )
    elif OrderStatus.DISPENSED in changes:
        events.append((changes[OrderStatus.DISPENSED], _("Dispensed by our pharmacist.")))
    if OrderStatus.SHIPPED in changes:
        events.append((changes[OrderStatus.SHIPPED], _tracking(order)))
    if OrderStatus.COMPLETE in changes:
        events.append((changes[OrderStatus.COMPLETE], _("Delivered.")))
    if OrderStatus.CANCELLED in changes:
        charged = payment is not None and payment.amount_captured > 0
        events.append(
            (
                changes[OrderStatus.CANCELLED],
                _("Cancelled.") if charged else _("Cancelled — no money was taken; the hold on your card is released."),
            )
        )
    events.sort(key=lambda event: event[0])
    steps += [TimelineStep(when, text) for when, text in events]
    if order.status == OrderStatus.AWAITING_DISPENSE:
        steps.append(TimelineStep(None, _("Waiting for the pharmacist to check your prescription and dispense."), True))
    elif order.status == OrderStatus.AWAITING_SHIPMENT:
        steps.append(TimelineStep(None, _("Being packed: your card is charged when it ships."), True))
    elif order.status == OrderStatus.DISPENSED:
        steps.append(TimelineStep(None, _("Being packed for shipping."), True))
    return steps


def _tracking(order) -> str:
    # Tracking numbers are kept as the reference of oscar's shipping event, when given.
    event = order.shipping_events.exclude(notes="").order_by("-date_created").first()
    if event is None:
        return _("Shipped.")
    return _("Shipped — tracking %(tracking)s.") % {"tracking": event.notes}


def customer_may_cancel(order) -> bool:
    """The cancel button ("no money is taken: the hold on your card is released") shows only
    where the order-status door lets the customer cancel, nothing has been charged (any amount
    captured, a refund since does not undo it) and nothing has shipped (a first parcel of an
    order still waiting for its others)."""
    if order.status == OrderStatus.CANCELLED:
        return False
    if route_refusal(order, to=OrderStatus.CANCELLED, via=Route.CUSTOMER) is not None:
        return False
    payment = authorisation_for(order)
    if payment is not None and payment.amount_captured > 0:
        return False
    return not (order.lines.filter(status=LineStatus.SHIPPED).exists() or Shipment.objects.filter(order=order).exists())


@dataclass(frozen=True)
class LineOffer:
    """What the customer's order page offers on one line (issue 20.2, 20.12).

    A prescription line never offers "Re-order" nor "Write a review" (STOREFRONT.md: no
    reviews of prescription medicines; a new fill goes through a prescription, not a
    plain basket add). It offers the refill route when the line's prescription still
    has a usable fill: the medicine's page, then "Use a prescription on file" in the basket.
    """

    line: object
    prescription_line: bool
    reorder: bool = False
    review: bool = False
    refill_prescription: object = None
    refill_fills: int = 0  # fills left that no open order holds


def order_line_offers(order, user) -> list[LineOffer]:
    lines = list(order.lines.select_related("product", "prescription"))
    # Fills already held by open orders (this one included, until it is dispensed) are not refills.
    holds = open_order_holds(line.prescription_id for line in lines)
    offers = []
    for line in lines:
        product = line.product
        if is_prescription_line(line):
            usable, fills_left = None, 0
            prescription = line.prescription
            if product is not None and prescription is not None:
                fills_left = prescription.fills_remaining - len(holds.get(prescription.pk, []))
            if fills_left > 0:
                usable = (
                    attachable_prescriptions_for(user, product)
                    .filter(pk=prescription.pk, status=PrescriptionStatus.VERIFIED)
                    .first()
                )
            offers.append(
                LineOffer(line=line, prescription_line=True, refill_prescription=usable, refill_fills=fills_left)
            )
            continue
        available = product is not None and product.is_public
        offers.append(
            LineOffer(
                line=line,
                prescription_line=False,
                reorder=available,
                review=available and product.is_review_permitted(user),
            )
        )
    return offers
