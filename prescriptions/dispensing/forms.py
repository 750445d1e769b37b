from django import forms

from payments.models import RefundReason
from prescriptions import delivery


def shipping_method_choices(*, blank: str | None = None) -> list[tuple[str, str]]:
    """The shipping methods the pharmacy promises dates for (``RXSHOP_SHIPPING_TRANSIT_DAYS``)."""
    choices = [("", blank)] if blank is not None else []
    return choices + [
        (code, f"{code} ({transit.fewest}–{transit.most} business days)")
        for code, transit in delivery.transit_table().items()
    ]


class DispenseLineForm(forms.Form):
    """What the pharmacist obtained from the programme for one prescription line."""

    rma_number = forms.CharField(label="RMA number", max_length=40, required=False)
    do_not_dispense_after = forms.DateField(
        label="Do not dispense after", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DispenseForm(forms.Form):
    medication_guide_included = forms.BooleanField(
        label="The current Medication Guide is in the package for each prescription medicine", required=False
    )
    cancel_blocked_lines = forms.BooleanField(
        label="Dispense what passes and cancel the lines that cannot be dispensed (the customer is charged only for what goes out)",
        required=False,
    )
    # Sent only by the confirmation button the screen shows when the programme window has
    # passed: voiding the card hold and cancelling the order is never a side effect of "Dispense".
    confirm_void_and_cancel = forms.BooleanField(required=False, widget=forms.HiddenInput)
    shipping_method = forms.ChoiceField(
        label="Ship by",
        required=False,
        choices=(),
        help_text="The promised delivery date the rules check is counted from this method.",
    )

    def __init__(self, *args, order_method: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["shipping_method"].choices = shipping_method_choices(
            blank=f"The order's method ({order_method or delivery.default_method_code()})"
        )


class RefundForm(forms.Form):
    """What is given back and why; the quantities per line are read by the view."""

    whole = forms.BooleanField(required=False, label="Refund the whole order (everything not yet refunded)")
    shipping = forms.BooleanField(required=False, label="Refund the shipping")
    reason_code = forms.ChoiceField(
        label="Reason",
        choices=[(value, label) for value, label in RefundReason.choices if value != RefundReason.OUTSIDE_RXSHOP],
    )
    note = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
