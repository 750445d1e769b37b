"""What the customer sends the pharmacy: a prescription upload (with the
patient and prescriber), their own details, and answers to the pharmacist."""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from oscar.core.loading import get_model

from compliance.online import sold_online
from prescriptions.drugs import drug_info

from ..models import Patient, Prescription, PrescriptionEvent
from ..models import PrescriptionStatus as S
from ..uploads import AcceptedFile
from .basket import BasketLine, attach_prescription_to_basket_line
from .exceptions import PrescriptionError, TransitionNotAllowed
from .files import refuse_duplicates, store_files
from .notifications import email_customer_on_commit
from .status import User, create_submitted_prescription, transition_prescription

Product = get_model("catalogue", "Product")


@dataclass(frozen=True)
class PatientDetails:
    relationship: str
    first_name: str
    last_name: str
    date_of_birth: datetime.date
    address_line1: str
    city: str
    state: str
    postcode: str
    address_line2: str = ""


@dataclass(frozen=True)
class PrescriberDetails:
    name: str
    phone: str
    email: str = ""
    address: str = ""


@transaction.atomic
def submit_prescription(
    *,
    customer: User,
    product: Product,
    prescriber: PrescriberDetails,
    quantity: int,
    files: Sequence[AcceptedFile],
    refills_authorized: int = 0,
    patient: Patient | None = None,
    patient_details: PatientDetails | None = None,
    basket_line: BasketLine | None = None,
) -> Prescription:
    """A customer uploads a prescription for ``product`` (the drug and strength).

    ``files`` have passed ``uploads.inspect_upload``. The patient is an existing
    ``patient`` of the account or new ``patient_details``. With ``basket_line``
    the new prescription is attached to that line of the customer's basket.
    Raises ``DuplicateFile`` (nothing stored) or ``PrescriptionError``.
    """
    info = drug_info(product)
    if not info.requires_prescription:
        raise PrescriptionError(f"{product.get_title()} does not need a prescription.")
    if not sold_online(info.dea_schedule):
        raise PrescriptionError(
            f"{product.get_title()} is a controlled substance, which we cannot sell online; please use a local pharmacy."
        )
    if not files:
        raise PrescriptionError("Please add at least one file: a scan or photo of the prescription.")
    if quantity < 1:
        raise PrescriptionError("The quantity must be at least 1.")
    refuse_duplicates(customer=customer, files=files)
    patient = _patient_for(customer=customer, patient=patient, details=patient_details)

    prescription, event = create_submitted_prescription(
        customer=customer,
        patient=patient,
        product=product,
        drug_name=(info.active_ingredient or product.get_title())[:255],
        strength=info.strength[:100],
        dosage_form=info.dosage_form[:100],
        quantity=quantity,
        refills_authorized=refills_authorized,
        prescriber_name=prescriber.name.strip(),
        prescriber_phone=prescriber.phone.strip(),
        prescriber_email=prescriber.email.strip(),
        prescriber_address=prescriber.address.strip(),
    )
    store_files(prescription=prescription, files=files)
    if basket_line is not None:
        attach_prescription_to_basket_line(line=basket_line, prescription=prescription, customer=customer)
    email_customer_on_commit(event)
    return prescription


def record_own_details(*, customer: User, details: PatientDetails) -> Patient:
    """The account holder's own patient record (name, date of birth, address), for a
    guardian who orders only for others: RULES.md 3.7 needs the account holder's age.

    Once on file it is part of the pharmacy's records and is not changed from the
    storefront (a correction goes through the pharmacy). Raises ``PrescriptionError``
    if it is already there.
    """
    already = PrescriptionError("Your own details are already on file. To correct them, please contact us.")
    if Patient.objects.filter(account=customer, relationship=Patient.Relationship.SELF).exists():
        raise already
    try:
        with transaction.atomic():  # one_self_patient_per_account settles a race between two tabs
            return Patient.objects.create(
                account=customer,
                relationship=Patient.Relationship.SELF,
                first_name=details.first_name.strip(),
                last_name=details.last_name.strip(),
                date_of_birth=details.date_of_birth,
                address_line1=details.address_line1.strip(),
                address_line2=details.address_line2.strip(),
                city=details.city.strip(),
                state=details.state,
                postcode=details.postcode.strip(),
            )
    except IntegrityError:
        raise already from None


def _patient_for(*, customer: User, patient: Patient | None, details: PatientDetails | None) -> Patient:
    if patient is not None:
        if patient.account_id != customer.pk:
            raise PrescriptionError("That patient is not on your account.")
        return patient
    if details is None:
        raise PrescriptionError("Please tell us who the prescription is for.")
    same_person = Patient.objects.filter(
        account=customer,
        first_name__iexact=details.first_name.strip(),
        last_name__iexact=details.last_name.strip(),
        date_of_birth=details.date_of_birth,
    ).first()
    if same_person is not None:
        return same_person
    if (
        details.relationship == Patient.Relationship.SELF
        and Patient.objects.filter(account=customer, relationship=Patient.Relationship.SELF).exists()
    ):
        raise PrescriptionError("Your own details are already on file: choose yourself from the list of patients.")
    return Patient.objects.create(
        account=customer,
        relationship=details.relationship,
        first_name=details.first_name.strip(),
        last_name=details.last_name.strip(),
        date_of_birth=details.date_of_birth,
        address_line1=details.address_line1.strip(),
        address_line2=details.address_line2.strip(),
        city=details.city.strip(),
        state=details.state,
        postcode=details.postcode.strip(),
    )


# --- Answering the pharmacist ---------------------------------------------------------------


@transaction.atomic
def answer_information_request(
    *, prescription: Prescription, customer: User, answer: str, files: Sequence[AcceptedFile] = ()
) -> PrescriptionEvent:
    """The customer answers the pharmacist's question (text and/or more files);
    the prescription goes back to the queue (info_requested → submitted)."""
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if locked.customer_id != customer.pk:
        raise TransitionNotAllowed("That prescription is not on your account.")
    if locked.status != S.INFO_REQUESTED:
        raise TransitionNotAllowed(f"No question about prescription {locked.reference} is waiting for an answer.")
    if not answer.strip() and not files:
        raise PrescriptionError("Please write your answer or add a file.")
    if files:
        refuse_duplicates(customer=customer, files=files)
    event = transition_prescription(
        prescription=prescription,
        to_status=S.SUBMITTED,
        actor=customer,
        reason_code="customer_answered",
        message_from_customer=answer,
    )
    if files:
        store_files(prescription=locked, files=files)
    return event
