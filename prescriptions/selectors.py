"""Reads about prescriptions, for pages and for the checkout gate (STYLE.md 3).

The gate asks ``covering_prescription_for_line(line)`` (or, for a whole
basket, ``coverage_for_basket(basket)``): a basket line is covered only by a
*verified* prescription of the basket's owner, for that product, not expired,
with a fill left and a quantity per fill at least what the line asks for.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from prescriptions.drugs import drug_info, requires_prescription

from .models import Patient, Prescription, PrescriptionEvent, PrescriptionFile, PrescriptionStatus as S

FILE_VIEW_PERMISSION = "prescriptions.view_prescriptionfile"
IN_PROGRESS = (S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED)


# --- For the customer's pages ---------------------------------------------------------


def prescriptions_for_customer(customer) -> QuerySet[Prescription]:
    """"My prescriptions": the customer's prescriptions, newest first, with
    what the list shows (patient, product, file count) in a fixed number of queries."""
    return (
        Prescription.objects.filter(customer=customer)
        .select_related("patient", "product", "product__parent")
        .prefetch_related(Prefetch("files", queryset=PrescriptionFile.objects.order_by("uploaded_at", "id")))
        .order_by("-created_at", "-id")
    )


def prescription_for_customer(*, customer, public_id) -> Prescription | None:
    """One of the customer's prescriptions, with its files and history; None if
    it does not exist or is someone else's (the caller answers 404 for both)."""
    if customer is None or not customer.is_authenticated:
        return None
    return (
        Prescription.objects.filter(customer=customer, public_id=public_id)
        .select_related("patient", "product", "product__parent")
        .prefetch_related(
            Prefetch("files", queryset=PrescriptionFile.objects.order_by("uploaded_at", "id")),
            Prefetch("events", queryset=PrescriptionEvent.objects.order_by("created_at", "id")),
        )
        .first()
    )


def patients_for_account(customer) -> QuerySet[Patient]:
    return Patient.objects.filter(account=customer).order_by("-relationship", "last_name", "first_name", "id")


# --- For the basket and the checkout gate --------------------------------------------------


def _usable_on(today: datetime.date) -> Q:
    return Q(status=S.VERIFIED) & (Q(expires_on__isnull=True) | Q(expires_on__gte=today)) & Q(
        fills_used__lte=F("refills_authorized")
    )


def verified_prescriptions_for(customer, product, *, patient: Patient | None = None,
                               on: datetime.date | None = None) -> QuerySet[Prescription]:
    """The customer's verified prescriptions for ``product`` that can still be
    filled on ``on`` (today by default): not expired, with a fill left."""
    if customer is None or not customer.is_authenticated:
        return Prescription.objects.none()
    queryset = Prescription.objects.filter(_usable_on(on or timezone.localdate()), customer=customer, product=product)
    if patient is not None:
        queryset = queryset.filter(patient=patient)
    return queryset.select_related("patient").order_by("-status_changed_at", "-id")


def attachable_prescriptions_for(customer, product, *, on: datetime.date | None = None) -> QuerySet[Prescription]:
    """What the customer may attach to a basket line for ``product``: verified
    and usable ones, and ones still on their way to the pharmacist's decision."""
    if customer is None or not customer.is_authenticated:
        return Prescription.objects.none()
    return (
        Prescription.objects.filter(customer=customer, product=product)
        .filter(_usable_on(on or timezone.localdate()) | Q(status__in=IN_PROGRESS))
        .select_related("patient")
        .order_by("-created_at", "-id")
    )


@dataclass(frozen=True)
class LineCoverage:
    """Whether a prescription covers a basket line, and what the customer can do."""

    line_id: int
    covered: bool
    state: str  # covered | awaiting_verification | needs_answer | not_usable | mismatch | no_prescription
    message: str
    prescription: Prescription | None = None
    attachable_count: int = 0
    product_title: str = ""


def _units(line) -> int:
    pack_size = drug_info(line.product).pack_size or 1
    return line.quantity * pack_size


def _coverage(line, prescription: Prescription | None, owner_id: int | None, today: datetime.date,
              attachable_count: int = 0) -> LineCoverage:
    def result(covered: bool, state: str, message: str) -> LineCoverage:
        return LineCoverage(line.id, covered, state, message, prescription, attachable_count,
                            line.product.get_title())

    if prescription is None or owner_id is None or prescription.customer_id != owner_id:
        prescription = None
        return result(False, "no_prescription", "No prescription is attached to this item yet.")
    ref = prescription.reference
    if prescription.product_id != line.product_id:
        return result(False, "mismatch", f"Prescription {ref} is for a different medicine or strength.")
    status = prescription.status
    if status in (S.SUBMITTED, S.IN_REVIEW):
        return result(False, "awaiting_verification", f"Prescription {ref} is waiting for our pharmacist to verify it.")
    if status == S.INFO_REQUESTED:
        return result(False, "needs_answer", f"Our pharmacist has a question about prescription {ref}: please answer it.")
    if status != S.VERIFIED:
        return result(False, "not_usable", f"Prescription {ref} is “{prescription.customer_status}” and cannot be used.")
    if prescription.expires_on is not None and prescription.expires_on < today:
        return result(False, "not_usable", f"Prescription {ref} has expired.")
    if prescription.fills_remaining < 1:
        return result(False, "not_usable", f"Prescription {ref} has no fills left.")
    units = _units(line)
    if units > prescription.quantity:
        return result(
            False, "mismatch",
            f"Prescription {ref} covers {prescription.quantity} per fill; this line is for {units}. "
            "Reduce the quantity to what the prescription allows.",
        )
    return result(True, "covered", f"Covered by your verified prescription {ref}.")


def coverage_for_line(line, *, on: datetime.date | None = None) -> LineCoverage:
    """The coverage of one basket line (one query for its prescription, if any)."""
    prescription = line.prescription if line.prescription_id else None
    return _coverage(line, prescription, line.basket.owner_id, on or timezone.localdate())


def covering_prescription_for_line(line, *, on: datetime.date | None = None) -> Prescription | None:
    """The verified prescription that covers this basket line, or None.

    This is what the checkout gate needs: a prescription line may be bought
    only when this returns a prescription.
    """
    coverage = coverage_for_line(line, on=on)
    return coverage.prescription if coverage.covered else None


def coverage_for_basket(basket, *, on: datetime.date | None = None) -> dict[int, LineCoverage]:
    """Coverage of every prescription line of a basket, keyed by line id, in
    two queries whatever the number of lines (plus the drug facts oscar's
    ``all_lines`` products need)."""
    today = on or timezone.localdate()
    lines = [line for line in basket.all_lines() if requires_prescription(line.product)]
    if not lines:
        return {}
    owner_id = basket.owner_id
    ids = {line.prescription_id for line in lines if line.prescription_id}
    prescriptions = {p.pk: p for p in Prescription.objects.filter(pk__in=ids, customer_id=owner_id)} if ids and owner_id else {}
    counts: dict[int, int] = {}
    if owner_id:
        for product_id in (
            Prescription.objects.filter(customer_id=owner_id, product_id__in={line.product_id for line in lines})
            .filter(_usable_on(today) | Q(status__in=IN_PROGRESS))
            .values_list("product_id", flat=True)
        ):
            counts[product_id] = counts.get(product_id, 0) + 1
    return {
        line.id: _coverage(line, prescriptions.get(line.prescription_id), owner_id, today,
                           counts.get(line.product_id, 0))
        for line in lines
    }


# --- Files -------------------------------------------------------------------------------


def is_pharmacy_staff(user) -> bool:
    """May open any customer's prescription files (the review workspace gives
    this permission to the pharmacist and technician groups)."""
    return bool(user and user.is_authenticated and user.has_perm(FILE_VIEW_PERMISSION))


def prescription_file_for_viewer(*, user, public_id) -> tuple[PrescriptionFile, bool] | None:
    """The file if ``user`` may open it, with True when they open it as pharmacy
    staff (to be logged); None if it does not exist or they may not (404)."""
    if user is None or not user.is_authenticated:
        return None
    prescription_file = PrescriptionFile.objects.select_related("prescription").filter(public_id=public_id).first()
    if prescription_file is None:
        return None
    if is_pharmacy_staff(user):
        return prescription_file, True
    if prescription_file.customer_id == user.pk:
        return prescription_file, False
    return None
