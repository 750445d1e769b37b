"""The pharmacy's own pages: staff second-factor verification."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm
from oscar.core.loading import get_model

from infra.staff import has_second_factor, is_staff_member
from payments.exceptions import PaymentProblem
from prescriptions import fulfilment
from prescriptions.orders import OrderStatusRefused, Route
from prescriptions.services import save_blocked_prescription_lines_for_later

Order = get_model("order", "Order")

STAFF_HOME = "/dashboard/"
# Where a sign-in lands when nobody asked for a page: no place for staff to start work.
_GENERIC_LANDINGS = frozenset({"/", settings.LOGIN_REDIRECT_URL})


@require_POST
@login_required
def buy_other_items_now(request):
    """Move the prescription items that cannot be bought yet to "saved for later"."""
    moved = save_blocked_prescription_lines_for_later(basket=request.basket, user=request.user)
    if moved:
        messages.info(
            request,
            ngettext(
                "We moved %(n)d prescription item to “Saved for later”; it will be there when your prescription is verified.",
                "We moved %(n)d prescription items to “Saved for later”; they will be there when your prescriptions are verified.",
                moved,
            )
            % {"n": moved},
        )
    return redirect("basket:summary")


@login_required
def staff_verify(request):
    """Ask a staff member for the 6-digit code of their authenticator app."""
    next_url = request.POST.get("next") or request.GET.get("next") or STAFF_HOME
    if (
        not url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
        or next_url in _GENERIC_LANDINGS
    ):
        # Signed in from the shop's own login form (which lands customers on their account):
        # staff land on the dashboard, which sends pharmacy staff to their review queue.
        next_url = STAFF_HOME
    if not is_staff_member(request.user) or has_second_factor(request.user):
        return redirect(next_url)
    form = OTPTokenForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, request.user.otp_device)
        return redirect(next_url)
    devices = [choice for choice in form.fields["otp_device"].widget.choices if choice[0]]
    return render(request, "pharmacy/staff_verify.html", {"form": form, "next": next_url, "devices": devices})


@require_POST
@login_required
def cancel_my_order(request, number):
    """The customer cancels their own order before it is dispensed: the card hold is voided first.

    Someone else's order is not found; a dispensed or shipped order is refused by
    the order-status door (the customer route may not cancel it)."""
    order = Order.objects.filter(number=number, user=request.user).first()
    if order is None:
        raise Http404
    try:
        fulfilment.cancel_order(
            order=order,
            reason="Cancelled by the customer from their order page.",
            actor=request.user,
            via=Route.CUSTOMER,
        )
    except (OrderStatusRefused, PaymentProblem) as exc:
        messages.error(request, str(exc))
        return redirect("customer:order", order_number=order.number)
    messages.success(
        request,
        _("Order %(number)s is cancelled. No money was taken: the hold on your card is released.")
        % {"number": order.number},
    )
    return redirect("customer:order", order_number=order.number)
