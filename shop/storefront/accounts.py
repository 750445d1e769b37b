"""The customer's sign-in/registration pages: oscar's, registering without a server error.

Oscar's ``RegisterUserMixin.register_user`` signs the new customer in with
``authenticate(username=..., password=...)``, without the request. django-axes'
backend, first in ``AUTHENTICATION_BACKENDS`` because it throttles sign-ins,
refuses a call without the request (``AxesBackendRequestParameterRequired``),
so every registration ended in a server error after the account was created.
These views register exactly as oscar does, passing the request. They are
mounted at oscar's own paths (``shop/urls.py``), so ``customer:login`` and
``customer:register`` lead to them.
"""
from __future__ import annotations

import logging

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.contrib.auth import login as auth_login
from oscar.apps.customer.signals import user_registered
from oscar.core.loading import get_class

logger = logging.getLogger("oscar.customer")
OscarAccountAuthView = get_class("customer.views", "AccountAuthView")
OscarAccountRegistrationView = get_class("customer.views", "AccountRegistrationView")


class RegisterWithRequestMixin:
    def register_user(self, form):
        user = form.save()
        user_registered.send_robust(sender=self, request=self.request, user=user)
        if getattr(settings, "OSCAR_SEND_REGISTRATION_EMAIL", True):
            self.send_registration_email(user)
        User = get_user_model()
        try:
            user = authenticate(self.request, username=user.email, password=form.cleaned_data["password1"])
        except User.MultipleObjectsReturned:
            # The form was sent twice at once and made two accounts (oscar's own
            # handling): keep the first, deactivate the others.
            logger.warning("Multiple users with identical email address and password were found. "
                           "Marking all but one as not active.")
            users = User.objects.filter(email=user.email)
            user = users[0]
            user.backend = "oscar.apps.customer.auth_backends.EmailBackend"
            for other in users[1:]:
                other.is_active = False
                other.save()
        auth_login(self.request, user)
        return user


class AccountAuthView(RegisterWithRequestMixin, OscarAccountAuthView):
    """/accounts/login/: the sign-in and the registration form side by side."""


class AccountRegistrationView(RegisterWithRequestMixin, OscarAccountRegistrationView):
    """/accounts/register/."""
