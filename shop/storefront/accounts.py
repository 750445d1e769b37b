"""The customer's sign-in and registration pages: oscar's, except that registering
never says whether an address already has an account (shop/storefront/registration.py).

Both forms (on the sign-in page and on /accounts/register/) answer a valid
registration with the same "check your e-mail" page, whatever the address; the
account opens from the link in that e-mail (``activate``). They are mounted at
oscar's own paths (``shop/urls.py``), so ``customer:login`` and
``customer:register`` lead to them.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from oscar.apps.customer.signals import user_registered
from oscar.apps.customer.utils import normalise_email
from oscar.core.loading import get_class

from . import registration

OscarAccountAuthView = get_class("customer.views", "AccountAuthView")
OscarAccountRegistrationView = get_class("customer.views", "AccountRegistrationView")
EmailUserCreationForm = get_class("customer.forms", "EmailUserCreationForm")


class RegistrationForm(EmailUserCreationForm):
    """Oscar's form without its "a user with that email address already exists"."""

    def clean_email(self):
        return normalise_email(self.cleaned_data["email"])

    def validate_unique(self):
        pass  # the unique check would tell; registration.register_customer handles the address

    def save(self, commit=True):
        raise NotImplementedError("Registration goes through registration.register_customer().")


class PrivateRegistrationMixin:
    def register_and_answer(self, form):
        registration.register_customer(
            email=form.cleaned_data["email"], password=form.cleaned_data["password1"], language=get_language()
        )
        return render(self.request, "pharmacy/registration_sent.html", {"email": form.cleaned_data["email"]})


class AccountAuthView(PrivateRegistrationMixin, OscarAccountAuthView):
    """/accounts/login/: the sign-in and the registration form side by side."""

    registration_form_class = RegistrationForm

    def validate_registration_form(self):
        form = self.get_registration_form(bind_data=True)
        if form.is_valid():
            return self.register_and_answer(form)
        return self.render_to_response(self.get_context_data(registration_form=form))


class AccountRegistrationView(PrivateRegistrationMixin, OscarAccountRegistrationView):
    """/accounts/register/."""

    form_class = RegistrationForm

    def form_valid(self, form):
        return self.register_and_answer(form)


@require_http_methods(["GET", "POST"])
def activate(request, uidb64: str, token: str):
    """GET shows a button, POST opens the account: mail scanners that follow links must
    not use up the link (nor sign anyone in)."""
    user = registration.user_for_activation(uidb64=uidb64, token=token)
    if user is None:
        return render(request, "pharmacy/activate_account.html", {"valid": False})
    if request.method == "GET":
        return render(request, "pharmacy/activate_account.html", {"valid": True})
    registration.activate_account(user=user)
    auth_login(request, user, backend="infra.backends.EmailBackend")
    user_registered.send_robust(sender=activate, request=request, user=user)
    messages.success(request, _("Thank you: your account is open."))
    return redirect(settings.LOGIN_REDIRECT_URL)
