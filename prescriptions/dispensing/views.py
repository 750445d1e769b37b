"""The dispense screens, in the pharmacy section of the dashboard."""

from __future__ import annotations

import csv

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from infra.errors import show_error
from payments import services as payments
from payments.exceptions import PaymentNotAllowed, PaymentProblem
from payments.selectors import authorisation_for
from prescriptions import delivery, fulfilment
from prescriptions.drugs import drug_info
from prescriptions.exceptions import FillRefused
from prescriptions.review.views import workspace_view

from . import fill, selectors, services
from .forms import CounsellingForm, DispenseForm, DispenseLineForm, ManualNdcForm, RecallForm, RefundForm, ScanForm
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
            "recent_dispenses": list(selectors.recent_dispenses()),
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
    counselling_form = CounsellingForm(data)
    outcome = None
    if (
        request.method == "POST"
        and form.is_valid()
        and counselling_form.is_valid()
        and all(f.is_valid() for _, f in line_forms)
    ):
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
                counselling=_counselling(counselling_form.cleaned_data),
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
            "counselling_form": counselling_form,
            **fill_context(request, order),
        },
        status=200,
    )


def _counselling(data) -> fill.CounsellingInput:
    return fill.CounsellingInput(
        answer=data["counselling_answer"],
        counselled_by=data.get("counselled_by") or "",
        counselled_at=data.get("counselled_at"),
        notes=data.get("counselling_notes") or "",
        method="by phone" if data["counselling_answer"] == "accepted" else "",
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


# --- Fill accuracy: scan at fill, labels, recalls ---------------------------------------------

FILL = fill.FILL_PERMISSION


def fill_context(request, order, *, scan_form=None, manual_form=None) -> dict:
    """What the fill section (``dispensing/_fill.html``) shows: each prescription line's scans."""
    return {
        "fills": [fill.line_fill(line) for line in _rx_lines(order) if line.prescription_id],
        "scan_form": scan_form or ScanForm(),
        "manual_form": manual_form or ManualNdcForm(),
        "may_key_ndc": fill.may_key_ndc(request.user),
        "gs_substitute": settings.RXSHOP_SCAN_GS_SUBSTITUTE,
    }


def _back_to(request, order) -> str:
    """The page the scan came from (the fill or the dispense screen): a path on this site only."""
    target = request.POST.get("next", "")
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return reverse("dashboard:dispense-fill", args=[order.number])


@workspace_view(FILL)
@require_GET
def fill_queue(request):
    return render(request, "dispensing/fill_queue.html", {"orders": list(selectors.orders_awaiting_dispense()[:100])})


@workspace_view(FILL)
@require_http_methods(["GET", "POST"])
def fill_order(request, number):
    """The fill screen: scan each pack (a technician may); a pharmacist may key an NDC."""
    order = selectors.order_for_dispense(number=number)
    if order is None:
        raise Http404
    scan_form = manual_form = None
    if request.method == "POST":
        lines = {line.pk: line for line in _rx_lines(order) if line.prescription_id}
        manual = "ndc" in request.POST
        form = (ManualNdcForm if manual else ScanForm)(request.POST)
        if form.is_valid() and form.cleaned_data["line"] in lines:
            line = lines[form.cleaned_data["line"]]
            data = form.cleaned_data
            try:
                if manual:
                    scan = fill.record_manual_ndc(
                        line=line,
                        ndc=data["ndc"],
                        lot=data["lot"],
                        expires_on=data["expires_on"],
                        serial=data["serial"],
                        reason=data["reason"],
                        pharmacist=request.user,
                        quantity_confirmed=data["quantity_confirmed"],
                    )
                else:
                    scan = fill.record_scan(
                        line=line, raw=data["code"], actor=request.user, quantity_confirmed=data["quantity_confirmed"]
                    )
            except FillRefused as exc:
                show_error(request, exc)
            else:
                if scan.counts:
                    messages.success(request, f"Pack NDC {scan.ndc} lot {scan.lot} counted for {line.title}.")
                    for text in scan.messages:
                        messages.warning(request, text)
                else:
                    messages.error(request, " ".join(scan.messages) or "Not counted.")
            return redirect(_back_to(request, order))
        if manual:
            manual_form = form
        else:
            scan_form = form
    return render(
        request,
        "dispensing/fill.html",
        {"order": order, **fill_context(request, order, scan_form=scan_form, manual_form=manual_form)},
    )


@workspace_view(FILL)
@require_http_methods(["GET", "POST"])
def label(request, pk):
    """The label PDF. The first print is the original; a reprint asks why (logged)."""
    dispense = selectors.dispense_for_label(pk=pk)
    if dispense is None:
        raise Http404
    printed_before = dispense.label_prints.exists()
    if request.method == "GET" and printed_before:
        return render(request, "dispensing/reprint.html", {"dispense": dispense, "prints": dispense.label_prints.all()})
    try:
        pdf, _printed = fill.issue_label(dispense=dispense, actor=request.user, reason=request.POST.get("reason", ""))
    except FillRefused as exc:
        show_error(request, exc)
        return redirect("dashboard:dispense-label", pk=dispense.pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="label-{dispense.prescription.reference}-{dispense.pk}.pdf"'
    return response


def _recall_rows(packs) -> list[dict]:
    rows = []
    for pack in packs:
        dispense = pack.dispense
        order = dispense.order_line.order
        address = order.shipping_address
        rows.append(
            {
                "pack": pack,
                "patient": dispense.prescription.patient.full_name,
                "account_email": order.user.email if order.user else "",
                "prescription": dispense.prescription.reference,
                "order": order.number,
                "dispensed_at": dispense.dispensed_at,
                "ship_to": address.summary if address else "",
                "phone": str(getattr(address, "phone_number", "") or ""),
            }
        )
    return rows


@workspace_view(DISPENSE)
@require_GET
def recall(request):
    """Which patients got lot X (and NDC Y): for a manufacturer's or FDA recall."""
    form = RecallForm(request.GET or None)
    rows = _recall_rows(selectors.packs_with_lot(**form.cleaned_data)) if form.is_valid() else None
    return render(request, "dispensing/recall.html", {"form": form, "rows": rows})


@workspace_view(DISPENSE)
@require_GET
def recall_csv(request):
    form = RecallForm(request.GET or None)
    if not form.is_valid():
        return HttpResponse("Give a lot number (?lot=…).", status=400, content_type="text/plain")
    response = HttpResponse(content_type="text/csv")
    lot = "".join(ch for ch in form.cleaned_data["lot"] if ch.isalnum() or ch in "-_")
    response["Content-Disposition"] = f'attachment; filename="recall-lot-{lot}.csv"'
    writer = csv.writer(response)
    writer.writerow(
        [
            "NDC",
            "Lot",
            "Serial",
            "Expiry",
            "Patient",
            "Account e-mail",
            "Prescription",
            "Order",
            "Dispensed",
            "Ship to",
            "Phone",
        ]
    )
    for row in _recall_rows(selectors.packs_with_lot(**form.cleaned_data)):
        pack = row["pack"]
        writer.writerow(
            [
                pack.ndc,
                pack.lot,
                pack.serial,
                pack.expires_on.isoformat() if pack.expires_on else "",
                row["patient"],
                row["account_email"],
                row["prescription"],
                row["order"],
                timezone.localtime(row["dispensed_at"]).isoformat(timespec="minutes"),
                row["ship_to"],
                row["phone"],
            ]
        )
    return response
