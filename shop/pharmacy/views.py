"""The pharmacy's own pages: staff second-factor verification."""
from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp import login as otp_login
from django_otp.forms import OTPTokenForm

from .staff import has_second_factor, is_staff_member


@login_required
def staff_verify(request):
    """Ask a staff member for the 6-digit code of their authenticator app."""
    next_url = request.POST.get("next") or request.GET.get("next") or "/dashboard/"
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()},
                                           require_https=request.is_secure()):
        next_url = "/dashboard/"
    if not is_staff_member(request.user) or has_second_factor(request.user):
        return redirect(next_url)
    form = OTPTokenForm(request.user, request, data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        otp_login(request, request.user.otp_device)
        return redirect(next_url)
    devices = [choice for choice in form.fields["otp_device"].widget.choices if choice[0]]
    return render(request, "pharmacy/staff_verify.html",
                  {"form": form, "next": next_url, "devices": devices})
