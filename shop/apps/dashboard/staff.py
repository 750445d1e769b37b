"""Staff authenticators (``/dashboard/staff/``): an administrator adds a member of staff, enrols
their authenticator app, revokes one, and sees who is enrolled. Thin: the service
(``shop.storefront.authenticators``) decides and writes the audit trail."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_otp.plugins.otp_totp.models import TOTPDevice

from infra.clientip import client_ip
from infra.errors import show_error
from infra.staff import STAFF_GROUPS, staff_view
from shop.exceptions import AuthenticatorRefused
from shop.storefront import authenticators

# Signed in, an administrator, past the second factor; never cached (the page shows keys).
administrator_view = staff_view(authenticators.is_administrator, "Only an administrator manages staff authenticators.")


class StaffMemberForm(forms.Form):
    email = forms.EmailField(label="E-mail (they sign in with it)")
    first_name = forms.CharField(max_length=150)
    last_name = forms.CharField(max_length=150)
    role = forms.ChoiceField(choices=[(name, name) for name in STAFF_GROUPS])
    password = forms.CharField(
        label="First password (hand it over in person; 10+ characters)",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        strip=False,
    )


class ConfirmForm(forms.Form):
    code = forms.CharField(
        label="The 6-digit code the app shows now",
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _list_page(request, form, status=200):
    return render(
        request,
        "oscar/dashboard/staff/list.html",
        {"members": authenticators.staff_members(), "events": authenticators.recent_events(), "form": form},
        status=status,
    )


@administrator_view
@require_GET
def staff_list(request):
    return _list_page(request, StaffMemberForm())


@administrator_view
@require_POST
def add_staff(request):
    form = StaffMemberForm(request.POST)
    if form.is_valid():
        try:
            member = authenticators.create_staff_member(
                actor=request.user, ip_address=client_ip(request), **form.cleaned_data
            )
        except ValidationError as exc:
            for field, errors in (
                exc.message_dict if hasattr(exc, "error_dict") else {"password": exc.messages}
            ).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            messages.success(
                request, f"{member.email} added as {form.cleaned_data['role']}: now enrol their authenticator."
            )
            return redirect("dashboard:staff-enrol", pk=member.pk)
    return _list_page(request, form, status=400)


@administrator_view
@require_http_methods(["GET", "POST"])
def enrol(request, pk):
    staff = authenticators.staff_member(pk)
    if staff is None:
        raise Http404
    device = authenticators.start_enrolment(staff=staff, actor=request.user, ip_address=client_ip(request))
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        confirmed = authenticators.confirm_enrolment(
            device=device, code=form.cleaned_data["code"], actor=request.user, ip_address=client_ip(request)
        )
        if confirmed:
            messages.success(request, f"{staff.email}'s authenticator is enrolled: they can sign in with it now.")
            return redirect("dashboard:staff-authenticators")
        form.add_error("code", "That code does not match: wait for the next one and try again.")
    uri = device.config_url
    return render(
        request,
        "oscar/dashboard/staff/enrol.html",
        {"staff": staff, "device": device, "otpauth_uri": uri, "qr_svg": authenticators.qr_svg(uri), "form": form},
        status=400 if form.errors else 200,
    )


@administrator_view
@require_POST
def revoke(request, pk):
    device = get_object_or_404(TOTPDevice, pk=pk)
    try:
        authenticators.revoke(device=device, actor=request.user, ip_address=client_ip(request))
    except AuthenticatorRefused as exc:
        show_error(request, exc)
    else:
        messages.success(request, f"{device.user.email}'s “{device.name}” is revoked.")
    return redirect("dashboard:staff-authenticators")
