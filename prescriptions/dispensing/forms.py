from django import forms

from payments.models import RefundReason


class DispenseLineForm(forms.Form):
    """What the pharmacist obtained from the programme for one prescription line."""

    rma_number = forms.CharField(label="RMA number", max_length=40, required=False)
    do_not_dispense_after = forms.DateField(label="Do not dispense after", required=False,
                                            widget=forms.DateInput(attrs={"type": "date"}))


class DispenseForm(forms.Form):
    medication_guide_included = forms.BooleanField(
        label="The current Medication Guide is in the package for each prescription medicine", required=False)
    cancel_blocked_lines = forms.BooleanField(
        label="Dispense what passes and cancel the lines that cannot be dispensed (the customer is charged only for what goes out)",
        required=False)


class RefundForm(forms.Form):
    """What is given back and why; the quantities per line are read by the view."""

    whole = forms.BooleanField(required=False, label="Refund the whole order (everything not yet refunded)")
    shipping = forms.BooleanField(required=False, label="Refund the shipping")
    reason_code = forms.ChoiceField(label="Reason", choices=[
        (value, label) for value, label in RefundReason.choices if value != RefundReason.OUTSIDE_RXSHOP])
    note = forms.CharField(required=False, max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
