"""Refills and transfers for the customer: the Refill button, "ask my prescriber",
reminder opt-outs, transfer-in requests. HTTP only: the rules are in
``prescriptions.refills``/``prescriptions.transfers`` and the core behind them."""

from __future__ import annotations

from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from infra.errors import show_error

from . import refills, selectors, transfers
from .exceptions import RefillRefused, TransferRefused
from .forms import TransferRequestForm
from .models import Prescription
from .pharmacy import pharmacy_details


def _own_prescription(request, public_id) -> Prescription:
    prescription = selectors.prescription_for_customer(customer=request.user, public_id=public_id)
    if prescription is None:
        raise Http404
    return prescription


@login_required
@require_POST
def refill(request, public_id):
    """One click: the next fill in the basket, tied to the prescription; checkout's gate does the rest."""
    prescription = _own_prescription(request, public_id)
    try:
        refills.add_refill_to_basket(basket=request.basket, prescription=prescription, customer=request.user)
    except RefillRefused as refused:
        show_error(request, refused)
        return redirect("prescriptions:detail", public_id=prescription.public_id)
    messages.success(
        request,
        _("The next fill of prescription %(ref)s is in your basket. Check out when ready.")
        % {"ref": prescription.reference},
    )
    return redirect("basket:summary")


@login_required
@require_GET
def ask_prescriber(request, public_id):
    """A request to the prescriber for a new prescription, to print or e-mail."""
    prescription = _own_prescription(request, public_id)
    info = refills.refill_info(prescription)
    if info is None or not info.status.ask_prescriber:
        raise Http404
    try:
        transcription = prescription.transcription
    except ObjectDoesNotExist:
        transcription = None
    pharmacy = pharmacy_details()
    text = _(
        "Please issue a new prescription for %(patient)s: %(medicine)s, %(quantity)s per fill. "
        "Our prescription %(ref)s can no longer be filled."
    ) % {
        "patient": prescription.patient.full_name,
        "medicine": f"{prescription.drug_name} {prescription.strength}".strip(),
        "quantity": prescription.quantity,
        "ref": prescription.reference,
    }
    mailto = ""
    if prescription.prescriber_email:
        send_to = _("Send it to %(pharmacy)s.") % {
            "pharmacy": f"{pharmacy['name']}, {pharmacy['address']}, {pharmacy['phone']}"
        }
        body = f"{text}\n\n{send_to}"
        subject = quote(_("New prescription request"))
        mailto = f"mailto:{quote(prescription.prescriber_email)}?subject={subject}&body={quote(body)}"
    return render(
        request,
        "prescriptions/refills/ask_prescriber.html",
        {
            "prescription": prescription,
            "refill": info,
            "request_text": text,
            "directions": transcription.directions if transcription else "",
            "date_written": transcription.date_written if transcription else None,
            "mailto": mailto,
            "pharmacy": pharmacy,
            "page_title": _("Ask your prescriber: prescription %(ref)s") % {"ref": prescription.reference},
            "active_tab": "prescriptions",
        },
    )


@login_required
@require_POST
def reminders_for_prescription(request, public_id):
    prescription = _own_prescription(request, public_id)
    on = request.POST.get("on") == "1"
    refills.set_reminders(account=request.user, prescription=prescription, on=on)
    messages.success(
        request,
        _("We will remind you when this prescription is due for a refill.")
        if on
        else _("No more refill reminders for this prescription."),
    )
    return redirect("prescriptions:detail", public_id=prescription.public_id)


@login_required
@require_POST
def reminders_for_account(request):
    on = request.POST.get("on") == "1"
    refills.set_reminders(account=request.user, prescription=None, on=on)
    messages.success(
        request, _("Refill reminders are on.") if on else _("No more refill reminders for any of your prescriptions.")
    )
    return redirect("prescriptions:list")


@require_http_methods(["GET", "POST"])
def reminders_opt_out(request, token: str):
    """The e-mail's opt-out link: works without signing in (the signed token says whose); a GET
    shows one button (mail scanners follow links), the POST records the opt-out."""
    found = refills.read_opt_out_token(token)
    if found is None:
        raise Http404
    account_id, prescription_id = found
    account = get_user_model().objects.filter(pk=account_id).first()
    prescription = (
        Prescription.objects.filter(pk=prescription_id, customer_id=account_id).first() if prescription_id else None
    )
    if account is None or (prescription_id and prescription is None):
        raise Http404
    done = False
    if request.method == "POST":
        refills.set_reminders(account=account, prescription=prescription, on=False)
        done = True
    return render(
        request,
        "prescriptions/refills/opt_out.html",
        {"prescription": prescription, "done": done, "page_title": _("Refill reminders")},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_in(request):
    """Ask us to move a prescription from another pharmacy; the customer's requests so far."""
    patients = selectors.patients_for_account(request.user)
    form = TransferRequestForm(request.POST or None, patients=patients)
    if request.method == "POST" and form.is_valid():
        try:
            made = transfers.request_transfer(customer=request.user, **form.cleaned_data)
        except TransferRefused as refused:
            form.add_error(None, str(refused))  # already in the customer's language
        else:
            messages.success(
                request,
                _(
                    "Transfer request %(ref)s is with our pharmacists: they will call the other pharmacy"
                    " and let you know."
                )
                % {"ref": made.reference},
            )
            return redirect("prescriptions:transfer-in")
    return render(
        request,
        "prescriptions/refills/transfer_in.html",
        {
            "form": form,
            "has_patients": patients.exists(),
            "requests": transfers.transfer_requests_for_customer(request.user),
            "page_title": _("Transfer a prescription to us"),
            "active_tab": "prescriptions",
        },
    )
