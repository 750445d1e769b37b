"""Automatic refills for the customer: the page to turn them on (a saved card, entered with the
checkout's card form, the address, the consent) and off, with their status. HTTP only: the
rules are in ``prescriptions.autorefill``; cards are saved by ``payments.saved_cards``."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from infra.clientip import client_ip
from infra.errors import show_error
from payments import saved_cards
from payments.client import is_test_server
from payments.exceptions import PaymentProblem
from payments.forms import StripeCardForm, TestCardForm

from . import autorefill, selectors
from .exceptions import AutoRefillRefused
from .models import AutoRefill


def _card_form_class():
    """The checkout's card form: the test-card chooser with the local test server, Stripe.js otherwise."""
    return TestCardForm if is_test_server() else StripeCardForm


def _usable_card(user, card_id=None):
    cards = saved_cards.active_cards(user)
    if card_id is not None:
        cards = cards.filter(pk=card_id)
    return cards.first()


@login_required
@require_http_methods(["GET", "POST"])
def auto_refill(request, public_id):
    prescription = selectors.prescription_for_customer(customer=request.user, public_id=public_id)
    if prescription is None:
        raise Http404
    card_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "save_card":
            card_form = _card_form_class()(request.POST)
            if card_form.is_valid():
                try:
                    saved_cards.save_card(user=request.user, payment_method=card_form.payment_method_choice())
                except PaymentProblem as problem:
                    show_error(request, problem)
                else:
                    messages.success(request, _("Your card is saved. Read the terms below and confirm."))
                    return redirect("prescriptions:auto-refill", public_id=prescription.public_id)
        elif action == "enrol":
            card = _usable_card(request.user, _int(request.POST.get("card")))
            if card is None:
                messages.error(request, _("Please add a card first."))
            else:
                try:
                    autorefill.enrol(
                        prescription=prescription,
                        customer=request.user,
                        card=card,
                        consent_shown=request.POST.get("consent", ""),
                        consent_ip=client_ip(request),
                    )
                except AutoRefillRefused as refused:
                    show_error(request, refused)
                else:
                    messages.success(
                        request,
                        _("Automatic refills are on for prescription %(ref)s.") % {"ref": prescription.reference},
                    )
                    return redirect("prescriptions:auto-refill", public_id=prescription.public_id)
        else:
            return redirect("prescriptions:auto-refill", public_id=prescription.public_id)

    enrolment = autorefill.active_enrolment(prescription)
    latest = enrolment or autorefill.latest_enrolment(prescription)
    card = _usable_card(request.user)
    address = autorefill.address_snapshot(request.user)
    context = {
        "prescription": prescription,
        "enrolment": enrolment,
        "status": autorefill.auto_refill_info(enrolment) if enrolment else None,
        "stopped": latest if latest is not None and not latest.is_active else None,
        "refusal": None if enrolment else autorefill.refusal(prescription),
        "card": card,
        "consent": autorefill.consent_text(prescription=prescription, card_label=card.label) if card else "",
        "address_lines": autorefill.address_lines(enrolment.shipping_address if enrolment else address or {}),
        "has_address": enrolment is not None or address is not None,
        "payment_form": card_form or _card_form_class()(initial={"test_card": "visa"}),
        "test_mode": is_test_server(),
        "stripe_publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "page_title": _("Automatic refills: prescription %(ref)s") % {"ref": prescription.reference},
        "active_tab": "prescriptions",
    }
    return render(request, "prescriptions/refills/auto_refill.html", context)


@login_required
@require_POST
def stop_auto_refill(request, public_id):
    """One click: automatic refills off (recorded with when and by whom)."""
    enrolment = (
        AutoRefill.objects.select_related("prescription").filter(public_id=public_id, customer=request.user).first()
    )
    if enrolment is None:
        raise Http404
    autorefill.stop_by_customer(enrolment=enrolment, customer=request.user)
    messages.success(request, _("Automatic refills are off. Nothing more will be ordered automatically."))
    return redirect("prescriptions:auto-refill", public_id=enrolment.prescription.public_id)


def _int(raw) -> int | None:
    try:
        value = int(str(raw))
    except (TypeError, ValueError):
        return None
    return value if 0 < value < 2**63 else None
