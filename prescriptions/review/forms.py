"""Forms of the workspace: they translate HTTP to service arguments, no rules here (STYLE.md 3)."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.db.models import Exists, OuterRef, Q

from compliance.core import registered_codes
from prescriptions.audit import find_customer_id
from prescriptions.models import PrescriptionFileAccess, StaffDataView

from .models import COMPLETABLE_ELEMENTS, RejectionReason, RiskCategory, Transcription
from .selectors import AccessLogFilters, QueueFilters, prescription_products
from .services import TRANSCRIBED_FIELDS, TranscriptionData


class QueueFilterForm(forms.Form):
    status = forms.ChoiceField(
        required=False,
        choices=[
            ("waiting", "Waiting for review"),
            ("answered", "Answered by the customer"),
            ("submitted", "New (not yet opened by a pharmacist)"),
            ("in_review", "In review"),
            ("info_requested", "Waiting for the customer's answer"),
        ],
    )
    programme = forms.ChoiceField(required=False)
    claim = forms.ChoiceField(
        required=False,
        label="Claimed",
        choices=[
            ("", "Anyone or no one"),
            ("mine", "Claimed by me"),
            ("unclaimed", "Unclaimed"),
            ("others", "Claimed by someone else"),
        ],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["programme"].choices = [("", "Any"), ("none", "No programme")] + [
            (code, code.replace("_", " ").title() if code != "ipledge" else "iPLEDGE")
            for code in sorted(registered_codes())
        ]

    def filters(self) -> QueueFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return QueueFilters(
            status=data.get("status") or "waiting", programme=data.get("programme") or "", claim=data.get("claim") or ""
        )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TranscriptionForm(forms.ModelForm):
    """Step 1: what the prescription says, field by field."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    risk_category = forms.ChoiceField(
        required=False, label="iPLEDGE risk category", choices=[("", "—")] + list(RiskCategory.choices)
    )
    completed_elements = forms.MultipleChoiceField(
        required=False,
        choices=COMPLETABLE_ELEMENTS,
        widget=forms.CheckboxSelectMultiple,
        label="Elements I completed after contacting the prescriber",
    )

    class Meta:
        model = Transcription
        fields = [f for f in TRANSCRIBED_FIELDS]
        widgets = {
            "date_written": DateInput(),
            "earliest_fill_date": DateInput(),
            "do_not_dispense_after": DateInput(),
            "directions": forms.Textarea(attrs={"rows": 2}),
            "completion_note": forms.Textarea(attrs={"rows": 2}),
        }
        labels = {
            "prescriber_npi": "Prescriber NPI",
            "prescriber_dea_number": "Prescriber DEA number",
            "quantity": "Quantity (units per fill)",
            "signature_present": "Prescriber's signature present",
            "rma_number": "iPLEDGE RMA number",
            "do_not_dispense_after": "Do not dispense after (from iPLEDGE)",
            "earliest_fill_date": "Do not fill before",
        }
        help_texts = {
            "prescriber_dea_number": "Needed only for a controlled substance.",
            "quantity": "",
            "completed_elements": "",
            "days_supply": "",
            "earliest_fill_date": "Only when the prescriber wrote one (several Schedule II prescriptions).",
        }

    def __init__(self, *args, pharmacist: bool = False, prefill=None, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.fields["version"].initial = 0
            # Known before typing (selectors.transcription_prefill), marked with where it came from.
            for name, source in prefill.sources.items() if prefill else ():
                if name in self.fields:
                    self.initial.setdefault(name, prefill.values[name])
                    self.fields[name].help_text = f"Filled in {source}: check it against the document."
        else:
            self.fields["version"].initial = self.instance.version
        if not pharmacist:  # RULES.md 2.1: only a pharmacist completes a missing element
            del self.fields["completed_elements"]
            del self.fields["completion_note"]
        for field in self.fields.values():
            if isinstance(field.widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.HiddenInput)):
                continue
            field.widget.attrs.setdefault("class", "form-control")

    def data_for_service(self) -> TranscriptionData:
        values = {name: self.cleaned_data.get(name) for name in TRANSCRIBED_FIELDS if name in self.fields}
        if "completed_elements" not in self.fields and self.instance.pk is not None:
            values["completed_elements"] = tuple(self.instance.completed_elements or ())
            values["completion_note"] = self.instance.completion_note
        values["completed_elements"] = tuple(values.get("completed_elements") or ())
        values = {
            k: (
                ""
                if v is None
                and k
                not in {
                    "quantity",
                    "days_supply",
                    "refills",
                    "date_written",
                    "earliest_fill_date",
                    "do_not_dispense_after",
                }
                else v
            )
            for k, v in values.items()
        }
        return TranscriptionData(**values)


class VerifyForm(forms.Form):
    """Verify; one override reason per WARN comes in as ``override__<rule id>``."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Note for the pharmacy's records (optional)",
    )

    def overrides(self) -> dict[str, str]:
        return {
            key.removeprefix("override__"): value for key, value in self.data.items() if key.startswith("override__")
        }


class RejectForm(forms.Form):
    """Its ids carry "reject" so the review screen, which also shows the question form
    (with its own "note"), has every id once (axe: duplicate-id)."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_reject_%s")
        super().__init__(*args, **kwargs)

    reason_code = forms.ChoiceField(
        choices=[("", "Choose a reason")] + list(RejectionReason.choices),
        label="Reason",
        # A plain <select> (not the dashboard's select2, which hides it and so swallowed the
        # browser's "required" message): keyboard-friendly, and its error is the server's.
        widget=forms.Select(attrs={"class": "form-control no-widget-init"}),
    )
    message_to_customer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        label="Message to the customer",
        help_text="The customer reads this. Say why, and what they can do (e.g. ask the prescriber for a new prescription).",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Note for the pharmacy's records",
    )


class InformationRequestForm(forms.Form):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_ask_%s")
        super().__init__(*args, **kwargs)

    question = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
        label="Question to the customer",
        help_text="The customer reads this and answers on their prescription page.",
    )
    note = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        label="Note for the pharmacy's records",
    )


class InspectorSearchForm(forms.Form):
    reference = forms.CharField(
        label="Prescription reference",
        max_length=64,
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "RX-1A2B3C4D"}),
    )


class _ProductChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.get_title()} ({obj.upc})" if obj.upc else obj.get_title()


class AccessLogFilterForm(forms.Form):
    """The inspector's access log, narrowed: by member of staff, by customer (their account,
    orders and prescriptions), by order number, by day (local dates, both included)."""

    staff = forms.ModelChoiceField(queryset=None, required=False, empty_label="Anyone", label="Member of staff")
    customer = forms.CharField(
        required=False,
        max_length=254,
        label="Customer (e-mail or account id)",
        widget=forms.TextInput(attrs={"class": "form-control", "placeholder": "alice@example.com"}),
    )
    order_number = forms.CharField(
        required=False, max_length=128, label="Order number", widget=forms.TextInput(attrs={"class": "form-control"})
    )
    date_from = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    date_to = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        User = get_user_model()
        self.fields["staff"].queryset = User.objects.filter(
            Q(is_staff=True)
            | Exists(StaffDataView.objects.filter(user=OuterRef("pk")))
            | Exists(PrescriptionFileAccess.objects.filter(user=OuterRef("pk")))
        ).order_by("email")
        self.fields["staff"].label_from_instance = lambda user: (
            f"{user.get_full_name()} <{user.email}>" if user.get_full_name() else user.email
        )
        self.fields["staff"].widget.attrs["class"] = "form-control"

    def clean_customer(self):
        text = self.cleaned_data["customer"].strip()
        if not text:
            return None
        customer_id = find_customer_id(text)
        if customer_id is None:
            raise forms.ValidationError("No account has that e-mail address or id.")
        return customer_id

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", "The end date is before the start date.")
        return cleaned

    def filters(self) -> AccessLogFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        staff = data.get("staff")
        return AccessLogFilters(
            staff_id=staff.pk if staff else None,
            customer_id=data.get("customer"),
            order_number=(data.get("order_number") or "").strip(),
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
        )


class TransferWorkForm(forms.Form):
    """What the pharmacist records on the call with the transferring pharmacist (21 CFR 1306.25(b)),
    and the prescription as transcribed for the product we sell (its DEA schedule and programme
    are the product's). One override reason per warning comes in as ``override__<rule id>``."""

    outcome = forms.ChoiceField(choices=[("transferred", "Transferred"), ("refused", "Could not be transferred")])
    transferring_pharmacist = forms.CharField(max_length=200, required=False)
    transferring_pharmacy_address = forms.CharField(max_length=300, required=False)
    transferring_pharmacy_dea = forms.CharField(
        max_length=20, required=False, label="Transferring pharmacy's DEA registration (controlled substances)"
    )
    electronic = forms.BooleanField(required=False, label="Electronic prescription")
    filled = forms.BooleanField(required=False, label="Filled at least once at that pharmacy")
    transferred_before = forms.BooleanField(required=False, label="Already transferred before")
    first_filled_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Date of original dispensing"
    )
    last_filled_on = forms.DateField(
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        label="Date of the latest fill there (if refilled since)",
        help_text="Our refill-too-soon rule counts from it until the first fill here.",
    )
    # The prescription as transcribed on the call.
    product = _ProductChoice(
        queryset=None, required=False, label="Medicine as we sell it", empty_label="Choose the product"
    )
    quantity = forms.IntegerField(min_value=1, required=False, label="Quantity per fill (dosage units)")
    days_supply = forms.IntegerField(min_value=1, required=False, label="Days' supply")
    directions = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, label="Directions (sig)")
    prescriber_name = forms.CharField(max_length=200, required=False)
    prescriber_phone = forms.CharField(max_length=40, required=False)
    prescriber_address = forms.CharField(max_length=255, required=False)
    prescriber_npi = forms.CharField(max_length=10, required=False, label="Prescriber's NPI")
    prescriber_dea_number = forms.CharField(
        max_length=20, required=False, label="Prescriber's DEA number (controlled substances)"
    )
    date_written = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), label="Date written (original)"
    )
    refills_authorized = forms.IntegerField(min_value=0, required=False, label="Refills authorised (original)")
    fills_remaining = forms.IntegerField(min_value=0, required=False)
    note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, label="Note (the patient reads it if refused)"
    )

    REQUIRED_TO_TRANSFER = (
        "product",
        "quantity",
        "days_supply",
        "directions",
        "prescriber_name",
        "prescriber_phone",
        "prescriber_address",
        "prescriber_npi",
        "date_written",
        "refills_authorized",
        "fills_remaining",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["product"].queryset = prescription_products()

    def clean(self):
        data = super().clean()
        if data.get("outcome") == "transferred":
            for name in self.REQUIRED_TO_TRANSFER:
                if data.get(name) in (None, ""):
                    self.add_error(name, "Required to take the prescription over (21 CFR 1306.25(b)).")
        return data

    def overrides(self) -> dict[str, str]:
        return {
            key.removeprefix("override__"): value for key, value in self.data.items() if key.startswith("override__")
        }
