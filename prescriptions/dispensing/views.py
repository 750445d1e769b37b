"""The dispense screens, in the pharmacy section of the dashboard."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from infra.errors import show_error
from payments import services as payments
from payments.exceptions import PaymentNotAllowed, PaymentProblem
from payments.selectors import authorisation_for
from prescriptions import delivery, fulfilment
from prescriptions.drugs import drug_info
from prescriptions.review.views import workspace_view

from . import selectors, services
from .forms import DispenseForm, DispenseLineForm, RefundForm
from .models import ProgrammeAuthorisation

DISPENSE = services.DISPENSE_PERMISSION


@workspace_view(DISPENSE)
@require_GET
def dispense_queue(request):
    orders = list(selectors.orders_awaiting_dispense()[:100])
    return render(
        request,
        "dispensing/queue.html",
        {
            "orders": orders,
            "reversals": list(selectors.rmas_to_reverse()[:100]),
        },
    )


def _rx_lines(order):
    return [line for line in order.lines.all() if drug_info(line.product).requires_prescription]


@workspace_view(DISPENSE)
@require_http_methods(["GET", "POST"])
def dispense(request, number):
    order = selectors.order_for_dispense(number=number)
    if order is None:
        raise Http404
    rx_lines = _rx_lines(order)
    data = request.POST if request.method == "POST" else None
    line_forms = [(line, DispenseLineForm(data, prefix=f"line-{line.pk}")) for line in rx_lines]
    form = DispenseForm(data, order_method=order.shipping_code)
    outcome = None
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for _, f in line_forms):
        authorisations = {
            line.pk: services.AuthorisationInput(
                number=f.cleaned_data["rma_number"],
                do_not_dispense_after=f.cleaned_data["do_not_dispense_after"],
                risk_category=getattr(getattr(line.prescription, "transcription", None), "risk_category", "") or "",
            )
            for line, f in line_forms
            if f.cleaned_data["rma_number"]
        }
        try:
            outcome = services.dispense_order(
                order=order,
                pharmacist=request.user,
                authorisations=authorisations,
                medication_guide_included=form.cleaned_data["medication_guide_included"],
                cancel_blocked_lines=form.cleaned_data["cancel_blocked_lines"],
                shipping_method=form.cleaned_data["shipping_method"] or None,
                confirm_void_and_cancel=form.cleaned_data["confirm_void_and_cancel"],
            )
        except (services.DispenseRefused, PaymentProblem) as exc:
            show_error(request, exc)
        else:
            if outcome.dispensed:
                messages.success(request, f"Order {order.number} dispensed; ${outcome.captured_amount} captured.")
                return redirect("dashboard:dispense-queue")
            if outcome.voided:
                messages.warning(
                    request,
                    f"Order {order.number} cannot be dispensed: the authorisation was voided, "
                    "the order cancelled and the RMA flagged for reversal.",
                )
                return redirect("dashboard:dispense-queue")
            if outcome.needs_void_confirmation:
                messages.warning(
                    request,
                    "Not dispensed, nothing voided or cancelled yet: the programme window has passed. "
                    "Confirm below to void the payment and cancel the order.",
                )
            else:
                messages.error(request, "Not dispensed: a rule blocks it (see below). Nothing was charged.")
    return render(
        request,
        "dispensing/dispense.html",
        {
            "order": order,
            "line_forms": line_forms,
            "form": form,
            "outcome": outcome,
            "payment": authorisation_for(order) if outcome is not None and outcome.needs_void_confirmation else None,
            "promised_delivery": delivery.promised_delivery_for_order(order=order),
        },
        status=200,
    )


@workspace_view(DISPENSE)
@require_POST
def mark_reversed(request, pk):
    authorisation = ProgrammeAuthorisation.objects.filter(pk=pk).first()
    if authorisation is None:
        raise Http404
    try:
        services.mark_reversed(
            authorisation=authorisation, pharmacist=request.user, note=request.POST.get("note", "")[:500]
        )
    except services.DispenseRefused as exc:
        show_error(request, exc)
    else:
        messages.success(request, f"RMA {authorisation.number} recorded as reversed.")
    return redirect("dashboard:dispense-queue")


@workspace_view(fulfilment.REFUND_PERMISSION)
@require_http_methods(["GET", "POST"])
def refund(request, number):
    """Refund the whole order, chosen lines (with quantities) or the shipping, with a reason."""
    order = selectors.order_for_refund(number=number)
    if order is None:
        raise Http404
    form = RefundForm(request.POST if request.method == "POST" else None)
    lines = [(line, payments.refundable_quantity(line)) for line in order.lines.all()]
    if request.method == "POST" and form.is_valid():
        quantities = {}
        for line, _left in lines:
            raw = request.POST.get(f"quantity-{line.pk}", "").strip() or "0"
            quantities[line.pk] = int(raw) if raw.isdigit() else -1
        try:
            if any(q < 0 for q in quantities.values()):
                raise PaymentNotAllowed("Quantities are whole numbers.")
            done = fulfilment.refund_order(
                order=order,
                actor=request.user,
                reason_code=form.cleaned_data["reason_code"],
                note=form.cleaned_data["note"],
                whole=form.cleaned_data["whole"],
                line_quantities=quantities,
                shipping=form.cleaned_data["shipping"],
            )
        except PaymentProblem as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, f"${done.amount} refunded on order {order.number}; the customer is told by e-mail."
            )
            return redirect("dashboard:dispense-refund", number=order.number)
    return render(
        request,
        "dispensing/refund.html",
        {
            "order": order,
            "form": form,
            "lines": lines,
            "payment": authorisation_for(order),
            "shipping_left": payments.refundable_shipping(order),
            "refunds": selectors.refunds_of(order),
        },
    )
