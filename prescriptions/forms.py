"""Forms: translate what the customer typed into service arguments.

File safety is decided by ``uploads.inspect_upload``; the forms only collect
its verdicts so each refused file gets its own message next to the field.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone

from compliance.core.states import state_choices

from .models import Patient
from .services import PatientDetails, PrescriberDetails
from .uploads import Limits, UploadRefused, inspect_upload

STATE_CHOICES = state_choices(blank="Select a state")

ZIP_CODE = re.compile(r"^\d{5}(-\d{4})?$")
PATIENT_FIELDS = (
    "relationship",
    "first_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "city",
    "state",
    "postcode",
)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PrescriptionFilesField(forms.FileField):
    """One or more files; each is checked by ``inspect_upload``."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, (list, tuple)):
            if not data:
                return single(None, initial)
            return [single(item, initial) for item in data]
        cleaned = single(data, initial)
        return [cleaned] if cleaned else []


class _FilesMixin:
    """Runs every uploaded file through the safety checks; adds the refusals
    the upload handler made while the request streamed in (too large, too many)."""

    files_required = True

    def __init__(self, *args, refused_while_uploading: list[str] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.refused_while_uploading = refused_while_uploading or []

    def clean_files(self):
        uploaded = self.cleaned_data.get("files") or []
        limits = Limits.from_settings()
        errors = list(self.refused_while_uploading)
        accepted = []
        for item in uploaded:
            try:
                accepted.append(inspect_upload(item, limits=limits))
            except UploadRefused as refusal:
                errors.append(refusal.message)
        if errors:
            raise forms.ValidationError(errors)
        if self.files_required and not accepted:
            raise forms.ValidationError("Please add a scan or photo of the prescription (PDF, JPEG or PNG).")
        return accepted

    def _clean_fields(self):
        super()._clean_fields()
        # A file refused while streaming never reaches the field: still report it.
        if self.refused_while_uploading and "files" in self._errors and "files" not in self.cleaned_data:
            self._errors["files"] = self.error_class(self.refused_while_uploading)


class PrescriptionUploadForm(_FilesMixin, forms.Form):
    patient = forms.ModelChoiceField(
        queryset=Patient.objects.none(),
        to_field_name="public_id",
        required=False,
        empty_label="Someone new (enter their details below)",
        label="Who is the prescription for?",
    )
    relationship = forms.ChoiceField(
        choices=Patient.Relationship.choices,
        required=False,
        label="The patient is",
    )
    first_name = forms.CharField(max_length=100, required=False, label="Patient's first name")
    last_name = forms.CharField(max_length=100, required=False, label="Patient's last name")
    date_of_birth = forms.DateField(
        required=False,
        label="Patient's date of birth",
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    address_line1 = forms.CharField(max_length=255, required=False, label="Patient's address")
    address_line2 = forms.CharField(max_length=255, required=False, label="Address (line 2)")
    city = forms.CharField(max_length=100, required=False)
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    postcode = forms.CharField(max_length=10, required=False, label="ZIP code")

    prescriber_name = forms.CharField(
        max_length=200,
        label="Prescriber's name",
        help_text="The doctor or other prescriber who wrote the prescription.",
    )
    prescriber_phone = forms.CharField(max_length=40, label="Prescriber's phone number")
    prescriber_email = forms.EmailField(required=False, label="Prescriber's e-mail (optional)")
    prescriber_address = forms.CharField(
        max_length=255, required=False, label="Prescriber's practice address (optional)"
    )

    quantity = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        label="Quantity prescribed",
        help_text="Capsules or tablets per fill, as written on the prescription.",
    )
    refills_authorized = forms.IntegerField(min_value=0, max_value=99, initial=0, label="Refills written on it")

    files = PrescriptionFilesField(
        label="Prescription files",
        help_text="PDF, JPEG or PNG; one or more files, each up to 10 MB (a PDF at most 10 pages).",
    )
    add_to_basket = forms.BooleanField(required=False, initial=True, label="Put this medicine in my basket")

    def __init__(self, *args, customer, product, show_add_to_basket: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        patients = Patient.objects.filter(account=customer).order_by("-relationship", "last_name", "first_name")
        self.fields["patient"].queryset = patients
        self.fields["patient"].label_from_instance = lambda p: (
            f"{p.full_name} ({p.relationship_text}), born {p.date_of_birth:%m/%d/%Y}"
        )
        self.has_self = any(p.relationship == Patient.Relationship.SELF for p in patients)
        if not self.is_bound:
            pack_size = _pack_size(product)
            if pack_size:
                self.initial.setdefault("quantity", pack_size)
            if not self.has_self:
                self.initial.setdefault("first_name", customer.first_name)
                self.initial.setdefault("last_name", customer.last_name)
            else:
                self.initial.setdefault("relationship", Patient.Relationship.CHILD)
        if not show_add_to_basket:
            del self.fields["add_to_basket"]

    def clean_date_of_birth(self):
        value = self.cleaned_data.get("date_of_birth")
        if value and (value > timezone.localdate() or value < datetime.date(1900, 1, 1)):
            raise forms.ValidationError("Please enter a real date of birth.")
        return value

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not ZIP_CODE.match(value):
            raise forms.ValidationError("Enter a US ZIP code (12345 or 12345-6789).")
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("patient") is None:
            for name in PATIENT_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, "Needed for a new patient.")
        return cleaned

    def patient_details(self) -> PatientDetails | None:
        if self.cleaned_data.get("patient") is not None:
            return None
        data = self.cleaned_data
        return PatientDetails(
            relationship=data["relationship"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            address_line1=data["address_line1"],
            address_line2=data.get("address_line2", ""),
            city=data["city"],
            state=data["state"],
            postcode=data["postcode"],
        )

    def prescriber_details(self) -> PrescriberDetails:
        data = self.cleaned_data
        return PrescriberDetails(
            name=data["prescriber_name"],
            phone=data["prescriber_phone"],
            email=data.get("prescriber_email", ""),
            address=data.get("prescriber_address", ""),
        )


def _pack_size(product) -> int | None:
    from prescriptions.drugs import drug_info

    return drug_info(product).pack_size


class OwnDetailsForm(forms.Form):
    """The account holder's own details, as a patient record (prescriptions.services.record_own_details)."""

    first_name = forms.CharField(max_length=100, label="First name")
    last_name = forms.CharField(max_length=100, label="Last name")
    date_of_birth = forms.DateField(
        label="Date of birth",
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text="You must be 18 or older to hold an account that orders medicines.",
    )
    address_line1 = forms.CharField(max_length=255, label="Address")
    address_line2 = forms.CharField(max_length=255, required=False, label="Address (line 2)")
    city = forms.CharField(max_length=100)
    state = forms.ChoiceField(choices=STATE_CHOICES)
    postcode = forms.CharField(max_length=10, label="ZIP code")

    clean_date_of_birth = PrescriptionUploadForm.clean_date_of_birth
    clean_postcode = PrescriptionUploadForm.clean_postcode

    def patient_details(self) -> PatientDetails:
        data = self.cleaned_data
        return PatientDetails(
            relationship=Patient.Relationship.SELF,
            first_name=data["first_name"],
            last_name=data["last_name"],
            date_of_birth=data["date_of_birth"],
            address_line1=data["address_line1"],
            address_line2=data.get("address_line2", ""),
            city=data["city"],
            state=data["state"],
            postcode=data["postcode"],
        )


class AnswerForm(_FilesMixin, forms.Form):
    files_required = False

    answer = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
        required=False,
        label="Your answer",
    )
    files = PrescriptionFilesField(
        required=False,
        label="Add files (optional)",
        help_text="For example a clearer photo, or the missing page. PDF, JPEG or PNG, up to 10 MB each.",
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("answer") or "").strip() and not cleaned.get("files") and not self.errors:
            raise forms.ValidationError("Please write your answer or add a file.")
        return cleaned


class AttachForm(forms.Form):
    prescription = forms.ModelChoiceField(
        queryset=None,
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        label="Prescription on file",
    )

    def __init__(self, *args, prescriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescription"].queryset = prescriptions
        self.fields["prescription"].label_from_instance = lambda p: (
            f"{p.reference} for {p.patient.full_name}: {p.customer_status}"
        )


# --- Transfer in (prescriptions.transfers) ---------------------------------------------------------


class TransferRequestForm(forms.Form):
    """The patient's request to move a prescription here from another pharmacy."""

    patient = forms.ModelChoiceField(queryset=Patient.objects.none(), empty_label=None, label="For")
    pharmacy_name = forms.CharField(max_length=200, label="Pharmacy name")
    pharmacy_phone = forms.CharField(max_length=40, label="Pharmacy phone")
    prescription_number = forms.CharField(max_length=60, label="Prescription number (on the label)")
    drug = forms.CharField(max_length=255, label="Medicine and strength")

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["patient"].label_from_instance = lambda p: f"{p.full_name} ({p.relationship_text})"
        self.fields["pharmacy_phone"].widget.attrs["autocomplete"] = "tel"
