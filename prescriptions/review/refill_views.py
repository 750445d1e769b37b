"""The pharmacy's refills page: who is about to run out, the automatic refills due, and the
transfer-in requests to work, with their ages (issue 22). Wrapped like every workspace view (``workspace_view``)."""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from compliance.core import Severity, needs_documented_override
from infra.clientip import client_ip
from infra.errors import show_error
from prescriptions import autorefill, refills, transfers
from prescriptions.exceptions import TransferBlocked, TransferRefused
from prescriptions.models import TransferRequest

from .forms import TransferWorkForm
from .permissions import DECIDE
from .views import workspace_view


def _age(since, now) -> str:
    hours = int((now - since).total_seconds() // 3600)
    return f"{hours} h" if hours < 48 else f"{hours // 24} days"


def _cursor(text: str | None) -> tuple[datetime.date, int] | None:
    """``?after=2026-12-28.42``: the keyset (runs-out day, prescription id) of the last row read."""
    try:
        day, pk = (text or "").split(".")
        return datetime.date.fromisoformat(day), int(pk)
    except ValueError:
        return None


@workspace_view()
@require_GET
def refills_dashboard(request):
    now = timezone.now()
    upcoming = refills.upcoming_refills_page(after=_cursor(request.GET.get("after")), limit=refills.UPCOMING_PAGE)
    requests = list(transfers.open_transfer_requests())
    for item in requests:
        item.age = _age(item.requested_at, now)
    return render(
        request,
        "review/refills.html",
        {
            "upcoming": upcoming.rows,
            "upcoming_next": f"{upcoming.next_after[0].isoformat()}.{upcoming.next_after[1]}"
            if upcoming.next_after
            else None,
            "upcoming_paged": "after" in request.GET,
            "days_ahead": refills.reminder_days(),
            "auto_refills": autorefill.auto_refills_due(days_ahead=refills.reminder_days()),
            "transfer_requests": requests,
        },
    )


@workspace_view(DECIDE)
@require_http_methods(["GET", "POST"])
def work_transfer(request, public_id):
    item = (
        TransferRequest.objects.select_related("patient", "customer", "prescription")
        .filter(public_id=public_id)
        .first()
    )
    if item is None:
        raise Http404
    form = TransferWorkForm(request.POST or None)
    blocked = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["outcome"] == "refused":
                transfers.refuse_transfer(request=item, pharmacist=request.user, reason=data["note"])
            else:
                transfers.record_transfer(
                    request=item,
                    pharmacist=request.user,
                    details=transfers.TransferDetails(
                        transferring_pharmacist=data["transferring_pharmacist"],
                        transferring_pharmacy_address=data["transferring_pharmacy_address"],
                        transferring_pharmacy_dea=data["transferring_pharmacy_dea"],
                        electronic=data["electronic"],
                        filled=data["filled"],
                        transferred_before=data["transferred_before"],
                        date_written=data["date_written"],
                        refills_authorized=data["refills_authorized"],
                        fills_remaining=data["fills_remaining"],
                        first_filled_on=data["first_filled_on"],
                        last_filled_on=data["last_filled_on"],
                        product=data["product"],
                        quantity=data["quantity"],
                        days_supply=data["days_supply"],
                        directions=data["directions"],
                        prescriber_name=data["prescriber_name"],
                        prescriber_phone=data["prescriber_phone"],
                        prescriber_address=data["prescriber_address"],
                        prescriber_npi=data["prescriber_npi"],
                        prescriber_dea_number=data["prescriber_dea_number"],
                        note=data["note"],
                    ),
                    warning_overrides=form.overrides(),
                    ip_address=client_ip(request),
                    user_agent=request.META.get("HTTP_USER_AGENT", ""),
                )
        except TransferBlocked as refused:
            blocked = refused
            show_error(request, refused)
        except TransferRefused as refused:
            show_error(request, refused)
        else:
            item.refresh_from_db()
            if item.prescription_id:
                messages.success(
                    request,
                    f"Transfer request {item.reference} is recorded: prescription {item.prescription.reference}"
                    " is verified and the patient can order it.",
                )
            else:
                messages.success(request, f"Transfer request {item.reference} is recorded.")
            return redirect("dashboard:pharmacy-refills")
    context = {"item": item, "form": form}
    if blocked is not None:
        context.update(
            blocks=blocked.blocks,
            needs_reason=[f for f in blocked.findings if f.severity is Severity.WARN or needs_documented_override(f)],
            override_values=form.overrides(),
        )
    return render(request, "review/transfer.html", context)
