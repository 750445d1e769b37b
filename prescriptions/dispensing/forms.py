from django import forms

from payments.models import RefundReason
from prescriptions import delivery

from .models import Counselling


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


# --- Fill accuracy --------------------------------------------------------------------------


class ScanForm(forms.Form):
    """One pack, as the handheld scanner types it (keyboard wedge) or the camera decodes it."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    code = forms.CharField(
        label="Scan the pack's 2D barcode",
        max_length=300,
        strip=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autofocus": True, "data-scan-input": "1"}),
        help_text="Point the scanner at the pack's DataMatrix; it types the code and presses Enter.",
    )
    quantity_confirmed = forms.BooleanField(
        label="The pack is sealed and holds its labelled quantity", required=False, initial=True
    )


class ManualNdcForm(forms.Form):
    """A pharmacist keys the pack when its barcode will not scan."""

    line = forms.IntegerField(widget=forms.HiddenInput)
    ndc = forms.CharField(label="Package NDC (as printed, with dashes)", max_length=12)
    lot = forms.CharField(label="Lot", max_length=20)
    expires_on = forms.DateField(label="Expiry", widget=forms.DateInput(attrs={"type": "date"}))
    serial = forms.CharField(label="Serial (if printed)", max_length=20, required=False)
    reason = forms.CharField(label="Why is the NDC keyed?", max_length=500)
    quantity_confirmed = forms.BooleanField(
        label="The pack is sealed and holds its labelled quantity", required=False, initial=True
    )


class CounsellingForm(forms.Form):
    """The offer to counsel at release, and the patient's answer (OBRA '90; state rules)."""

    counselling_answer = forms.ChoiceField(
        label="Offer to counsel",
        choices=(),
        initial=Counselling.Answer.OFFERED,
        required=False,
        help_text="Left as it is: offered in writing (the toll-free number on the label and in the parcel).",
    )
    counselled_by = forms.CharField(label="Counselled by", max_length=255, required=False)
    counselled_at = forms.DateTimeField(
        label="When", required=False, widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    counselling_notes = forms.CharField(
        label="Notes", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["counselling_answer"].choices = Counselling.Answer.choices

    def clean(self):
        data = super().clean()
        data["counselling_answer"] = data.get("counselling_answer") or Counselling.Answer.OFFERED
        if data.get("counselling_answer") == "accepted" and not (data.get("counselled_by") or "").strip():
            self.add_error("counselled_by", "Say who counselled the patient.")
        return data


class RecallForm(forms.Form):
    lot = forms.CharField(label="Lot number", max_length=20)
    ndc = forms.CharField(label="NDC (optional)", max_length=12, required=False)
