"""Oscar's customer forms, with the password reset e-mail sent by a worker.

Oscar's (Django's) reset form looks the address up and sends the e-mail inside
the request, so an address with an account answers measurably slower than one
without: the timing says who is a customer. The request now only queues the
work (shop/storefront/registration.py).
"""

from django import forms
from oscar.apps.customer.forms import *  # oscar's way to fork a module: the rest stays oscar's
from oscar.apps.customer.forms import PasswordResetForm as OscarPasswordResetForm
from oscar.apps.customer.forms import ProductAlertForm as OscarProductAlertForm

from compliance.online import sold_online
from prescriptions.drugs import drug_info
from shop.apps.partner.strategy import not_sold_online_reason
from shop.storefront.registration import request_password_reset


class PasswordResetForm(OscarPasswordResetForm):
    def save(self, *args, domain_override=None, request=None, **kwargs):
        request_password_reset(email=self.cleaned_data["email"])


class ProductAlertForm(OscarProductAlertForm):
    """No "tell me when it is back" for a controlled substance we do not sell online:
    it will never be "back", and the alert would promise an online sale the law
    does not allow. Refused here whatever the page showed."""

    def clean(self):
        if not sold_online(drug_info(self.product).dea_schedule):
            raise forms.ValidationError(not_sold_online_reason())
        return super().clean()
