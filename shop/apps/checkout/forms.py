"""Checkout forms: a US shipping address with the state as a USPS code.

The ship-to state decides whether we may ship at all (RULES.md 3.2), so it is a
choice from the list of states, never free text.
"""

from django import forms
from django.utils.translation import gettext_lazy as _
from oscar.apps.checkout.forms import *  # noqa: F401,F403  (keep oscar's other forms)
from oscar.apps.checkout.forms import ShippingAddressForm as OscarShippingAddressForm

from compliance.core.states import state_choices

STATE_CHOICES = state_choices(blank="Select a state")


class ShippingAddressForm(OscarShippingAddressForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["state"] = forms.ChoiceField(label=_("State"), choices=STATE_CHOICES, required=True)
        self.fields["line4"].label = "City"
        self.fields["postcode"].label = "ZIP code"
