"""Forms: translate what the customer typed into service arguments.

File safety is decided by ``uploads.inspect_upload``; the forms only collect
its verdicts so each refused file gets its own message next to the field.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from compliance.core.states import state_choices
from compliance.interactions import interaction_source

from .models import Patient
from .services import PatientDetails, PrescriberDetails
from .uploads import AcceptedFile, Limits, UploadRefused, inspect_upload

STATE_CHOICES = state_choices(blank=_("Select a state"))

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

    def __init__(
        self,
        *args,
        refused_while_uploading: list[str] | None = None,
        held: list[AcceptedFile] | None = None,
        **kwargs,
    ):
        super().__init__(*args, **kwargs)
        self.refused_while_uploading = refused_while_uploading or []
        # Files kept from the customer's last try (services.held): used when none are chosen now.
        self.held = held or []
        self.uses_held = False

    def clean_files(self):
        uploaded = self.cleaned_data.get("files") or []
        self.uses_held = not uploaded and bool(self.held) and not self.refused_while_uploading
        if self.uses_held:
            return list(self.held)
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
            raise forms.ValidationError(_("Please add a scan or photo of the prescription (PDF, JPEG or PNG)."))
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
        empty_label=_("Someone new (enter their details below)"),
        label=_("Who is the prescription for?"),
    )
    relationship = forms.ChoiceField(
        choices=Patient.Relationship.choices,
        required=False,
        label=_("The patient is"),
    )
    first_name = forms.CharField(max_length=100, required=False, label=_("Patient's first name"))
    last_name = forms.CharField(max_length=100, required=False, label=_("Patient's last name"))
    date_of_birth = forms.DateField(
        required=False,
        label=_("Patient's date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    address_line1 = forms.CharField(max_length=255, required=False, label=_("Patient's address"))
    address_line2 = forms.CharField(max_length=255, required=False, label=_("Address (line 2)"))
    city = forms.CharField(max_length=100, required=False)
    state = forms.ChoiceField(choices=STATE_CHOICES, required=False)
    postcode = forms.CharField(max_length=10, required=False, label=_("ZIP code"))

    prescriber_name = forms.CharField(
        max_length=200,
        label=_("Prescriber's name"),
        help_text=_("The doctor or other prescriber who wrote the prescription."),
    )
    prescriber_phone = forms.CharField(max_length=40, label=_("Prescriber's phone number"))
    prescriber_email = forms.EmailField(required=False, label=_("Prescriber's e-mail (optional)"))
    prescriber_address = forms.CharField(
        max_length=255, required=False, label=_("Prescriber's practice address (optional)")
    )

    quantity = forms.IntegerField(
        min_value=1,
        max_value=10_000,
        label=_("Quantity prescribed"),
        help_text=_("Capsules or tablets per fill, as written on the prescription."),
    )
    refills_authorized = forms.IntegerField(min_value=0, max_value=99, initial=0, label=_("Refills written on it"))

    files = PrescriptionFilesField(
        required=False,  # clean_files asks for them, unless files are held from the last try
        label=_("Prescription files"),
        help_text=_("PDF, JPEG or PNG; one or more files, each up to 10 MB (a PDF at most 10 pages)."),
    )
    add_to_basket = forms.BooleanField(required=False, initial=True, label=_("Put this medicine in my basket"))
    held_files = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, customer, product, show_add_to_basket: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.customer = customer
        patients = Patient.objects.filter(account=customer).order_by("-relationship", "last_name", "first_name")
        self.fields["patient"].queryset = patients
        self.fields["patient"].label_from_instance = lambda p: (
            _("%(name)s (%(relationship)s), born %(born)s")
            % {"name": p.full_name, "relationship": p.relationship_text, "born": f"{p.date_of_birth:%m/%d/%Y}"}
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
            raise forms.ValidationError(_("Please enter a real date of birth."))
        return value

    def clean_postcode(self):
        value = (self.cleaned_data.get("postcode") or "").strip()
        if value and not ZIP_CODE.match(value):
            raise forms.ValidationError(_("Enter a US ZIP code (12345 or 12345-6789)."))
        return value

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("patient") is None:
            for name in PATIENT_FIELDS:
                if not cleaned.get(name) and name not in self.errors:
                    self.add_error(name, _("Needed for a new patient."))
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

    first_name = forms.CharField(max_length=100, label=_("First name"))
    last_name = forms.CharField(max_length=100, label=_("Last name"))
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("You must be 18 or older to hold an account that orders medicines."),
    )
    address_line1 = forms.CharField(max_length=255, label=_("Address"))
    address_line2 = forms.CharField(max_length=255, required=False, label=_("Address (line 2)"))
    city = forms.CharField(max_length=100)
    state = forms.ChoiceField(choices=STATE_CHOICES)
    postcode = forms.CharField(max_length=10, label=_("ZIP code"))

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
        label=_("Your answer"),
    )
    files = PrescriptionFilesField(
        required=False,
        label=_("Add files (optional)"),
        help_text=_("For example a clearer photo, or the missing page. PDF, JPEG or PNG, up to 10 MB each."),
    )

    def clean(self):
        cleaned = super().clean()
        if not (cleaned.get("answer") or "").strip() and not cleaned.get("files") and not self.errors:
            raise forms.ValidationError(_("Please write your answer or add a file."))
        return cleaned


class AttachForm(forms.Form):
    prescription = forms.ModelChoiceField(
        queryset=None,
        to_field_name="public_id",
        widget=forms.RadioSelect,
        empty_label=None,
        label=_("Prescription on file"),
    )

    def __init__(self, *args, prescriptions, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["prescription"].queryset = prescriptions
        self.fields["prescription"].label_from_instance = lambda p: (
            f"{p.reference} for {p.patient.full_name}: {p.customer_status}"
        )


# --- The patient's health profile (drug-utilisation review) ----------------------------------

CONDITION_CHOICES = (
    ("pregnant", _("Pregnant")),
    ("breastfeeding", _("Breast-feeding")),
    ("kidney-disease", _("Kidney disease")),
    ("liver-disease", _("Liver disease")),
)


class HealthProfileForm(forms.Form):
    """Allergies (to a medicine or a class), conditions and medicines from
    elsewhere, for one patient. Rows: the current entries plus a few blank
    ones (no script needed). A medicine may be picked from the vocabulary or
    typed; a pharmacist maps typed ones by picking the ingredient."""

    EXTRA_ALLERGIES = 2
    EXTRA_MEDICINES = 3

    allergy_answer = forms.ChoiceField(
        label=_("Does the patient have any allergies or intolerances to medicines?"),
        choices=(("none-known", _("No known allergies")), ("listed", _("Yes: listed below"))),
        widget=forms.RadioSelect,
    )
    conditions = forms.MultipleChoiceField(
        label=_("Conditions that matter for medicines"),
        choices=CONDITION_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args, profile=None, classes=(), vocabulary=(), **kwargs):
        allergies = list(profile.allergies) if profile is not None else []
        medicines = list(profile.medicines) if profile is not None else []
        initial = kwargs.setdefault("initial", {})
        if profile is not None:
            if profile.allergy_answer != "not-asked":
                initial.setdefault("allergy_answer", profile.allergy_answer)
            initial.setdefault("conditions", list(profile.conditions))
        super().__init__(*args, **kwargs)
        class_choices = [("", "—")] + [(c, c) for c in classes]
        ingredient_choices = [("", "—")] + [(code, name) for code, name in vocabulary]
        self.allergy_rows = []
        for i in range(len(allergies) + self.EXTRA_ALLERGIES):
            row = allergies[i] if i < len(allergies) else {}
            n = i + 1
            fields = {
                f"allergy_{n}_name": forms.CharField(
                    label=format_lazy(_("Allergy {n}: medicine or substance"), n=n), max_length=120, required=False
                ),
                f"allergy_{n}_code": forms.ChoiceField(
                    label=format_lazy(_("Allergy {n}: ingredient"), n=n), choices=ingredient_choices, required=False
                ),
                f"allergy_{n}_class": forms.ChoiceField(
                    label=format_lazy(_("Allergy {n}: or a class of medicines"), n=n),
                    choices=class_choices,
                    required=False,
                ),
                f"allergy_{n}_reaction": forms.CharField(
                    label=format_lazy(_("Allergy {n}: reaction"), n=n), max_length=200, required=False
                ),
                f"allergy_{n}_intolerance": forms.BooleanField(
                    label=format_lazy(_("Allergy {n} is an intolerance (a side effect), not an allergy"), n=n),
                    required=False,
                ),
            }
            values = (row.get("name", ""), row.get("code", ""), row.get("drug_class", ""), row.get("reaction", ""))
            for (name, field), value in zip(fields.items(), (*values, bool(row.get("intolerance"))), strict=True):
                self.fields[name] = field
                self.initial.setdefault(name, value)
            self.allergy_rows.append([self[name] for name in fields])
        self.medicine_rows = []
        for i in range(len(medicines) + self.EXTRA_MEDICINES):
            row = medicines[i] if i < len(medicines) else {}
            n = i + 1
            fields = {
                f"medicine_{n}_code": forms.ChoiceField(
                    label=format_lazy(_("Medicine {n}: pick the ingredient"), n=n),
                    choices=ingredient_choices,
                    required=False,
                ),
                f"medicine_{n}_name": forms.CharField(
                    label=format_lazy(_("Medicine {n}: or type its name (and strength)"), n=n),
                    max_length=120,
                    required=False,
                ),
            }
            for (name, field), value in zip(fields.items(), (row.get("code", ""), row.get("name", "")), strict=True):
                self.fields[name] = field
                self.initial.setdefault(name, value)
            self.medicine_rows.append([self[name] for name in fields])
        self._names = dict(vocabulary)
        for field in self.fields.values():
            if isinstance(field.widget, (forms.TextInput, forms.Select)):
                field.widget.attrs.setdefault("class", "form-control")

    def entries(self) -> dict:
        """The service's arguments (``record_patient_profile``) from the cleaned data."""
        data = self.cleaned_data
        allergies = []
        for n in range(1, len(self.allergy_rows) + 1):
            code, drug_class = data.get(f"allergy_{n}_code") or "", data.get(f"allergy_{n}_class") or ""
            name = (data.get(f"allergy_{n}_name") or "").strip() or self._names.get(code, "") or drug_class
            if name or code or drug_class:
                allergies.append(
                    {
                        "name": name,
                        "code": code,
                        "drug_class": drug_class,
                        "reaction": data.get(f"allergy_{n}_reaction") or "",
                        "intolerance": bool(data.get(f"allergy_{n}_intolerance")),
                    }
                )
        medicines = []
        for n in range(1, len(self.medicine_rows) + 1):
            code = data.get(f"medicine_{n}_code") or ""
            name = (data.get(f"medicine_{n}_name") or "").strip() or self._names.get(code, "")
            if name or code:
                medicines.append({"name": name, "code": code})
        return {
            "allergy_answer": data["allergy_answer"],
            "allergies": allergies,
            "conditions": data.get("conditions") or [],
            "medicines": medicines,
        }


def health_profile_form(data=None, *, profile):
    """The profile form with the interaction source's vocabulary (classes, ingredients)."""
    source = interaction_source()
    vocabulary = source.ingredient_vocabulary() if hasattr(source, "ingredient_vocabulary") else ()
    return HealthProfileForm(data, profile=profile, classes=source.allergy_classes(), vocabulary=vocabulary)


# --- Transfer in (prescriptions.transfers) ---------------------------------------------------------


class TransferRequestForm(forms.Form):
    """The patient's request to move a prescription here from another pharmacy."""

    patient = forms.ModelChoiceField(queryset=Patient.objects.none(), empty_label=None, label=_("For"))
    pharmacy_name = forms.CharField(max_length=200, label=_("Pharmacy name"))
    pharmacy_phone = forms.CharField(max_length=40, label=_("Pharmacy phone"))
    prescription_number = forms.CharField(max_length=60, label=_("Prescription number (on the label)"))
    drug = forms.CharField(max_length=255, label=_("Medicine and strength"))

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients
        self.fields["patient"].label_from_instance = lambda p: f"{p.full_name} ({p.relationship_text})"
        self.fields["pharmacy_phone"].widget.attrs["autocomplete"] = "tel"
