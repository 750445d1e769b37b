"""The ship screen (pharmacy section of the dashboard). Thin: the service decides."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from payments.exceptions import PaymentProblem
from prescriptions import fulfilment
from prescriptions.orders import StatusRefused
from prescriptions.review.views import workspace_view

from . import selectors
from .forms import ParcelForm

SHIP = fulfilment.SHIP_PERMISSION


@workspace_view(SHIP)
@require_GET
def ship_queue(request):
    now = timezone.now()
    orders = [(order, now - order.date_placed) for order in selectors.orders_ready_to_ship()[:100]]
    return render(request, "shipping/queue.html", {"orders": orders})


@workspace_view(SHIP)
@require_http_methods(["GET", "POST"])
def ship(request, number):
    order = selectors.order_for_shipping(number=number)
    if order is None:
        raise Http404
    left = fulfilment.quantities_left(order)
    lines_left = [(line, left[line.pk]) for line in order.lines.all() if line.pk in left]
    form = ParcelForm(request.POST or None, lines_left=lines_left, order_method=order.shipping_code)
    if request.method == "POST" and form.is_valid():
        quantities = form.quantities()
        if not quantities:
            messages.error(request, "Say how many of each item are in this parcel.")
        else:
            parcel = fulfilment.Parcel(
                carrier=form.cleaned_data["carrier"],
                tracking_number=form.cleaned_data["tracking_number"],
                shipped_on=form.cleaned_data["shipped_on"],
                lines=quantities,
                shipping_method=form.cleaned_data["shipping_method"],
            )
            try:
                fulfilment.ship_order(order=order, actor=request.user, parcel=parcel)
            except (StatusRefused, PaymentProblem) as exc:
                messages.error(request, str(exc))
            else:
                order.refresh_from_db(fields=["status"])
                messages.success(request, f"Parcel of order {order.number} recorded; the order is “{order.status}”.")
                return redirect("dashboard:ship-queue")
    return render(request, "shipping/ship.html", {"order": order, "form": form})
