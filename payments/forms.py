"""The card step of checkout: a test-card chooser (local test server) or Stripe.js's ``pm_…`` id."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from . import cards


class TestCardForm(forms.Form):
    """Local test server only: Stripe's test cards, chosen by name; no card number is typed."""

    test_card = forms.ChoiceField(
        label=_("Test card"),
        choices=[(key, card.label) for key, card in cards.TEST_CARDS.items()],
        initial="visa",
        widget=forms.RadioSelect,
    )

    def payment_method_choice(self) -> str:
        return cards.choice_for(self.cleaned_data["test_card"])


class StripeCardForm(forms.Form):
    """Real Stripe: Stripe.js's Payment Element creates the PaymentMethod; only its id reaches rxshop."""

    payment_method_id = forms.RegexField(
        regex=r"^pm_[A-Za-z0-9_]{1,200}$",
        widget=forms.HiddenInput,
        error_messages={
            "required": _("Enter your card details."),
            "invalid": _("Your card details could not be read; please enter them again."),
        },
    )

    def payment_method_choice(self) -> str:
        return self.cleaned_data["payment_method_id"]
