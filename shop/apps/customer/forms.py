"""Oscar's customer forms, with the password reset e-mail sent by a worker.

Oscar's (Django's) reset form looks the address up and sends the e-mail inside
the request, so an address with an account answers measurably slower than one
without: the timing says who is a customer. The request now only queues the
work (shop/storefront/registration.py).
"""
from oscar.apps.customer.forms import *  # oscar's way to fork a module: the rest stays oscar's
from oscar.apps.customer.forms import PasswordResetForm as OscarPasswordResetForm

from shop.storefront.registration import request_password_reset


class PasswordResetForm(OscarPasswordResetForm):
    def save(self, *args, domain_override=None, request=None, **kwargs):
        request_password_reset(email=self.cleaned_data["email"])
