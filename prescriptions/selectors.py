"""Reads about prescriptions, for pages and for the checkout gate (STYLE.md 3).

The gate asks ``covering_prescription_for_line(line)`` (or, for a whole
basket, ``coverage_for_basket(basket)``): a basket line is covered only by a
*verified* prescription of the basket's owner, for that product, not expired,
with a fill left and a quantity per fill at least what the line asks for.

"A fill left" counts what is already promised, not only what was dispensed:
each line of an open order (placed, not cancelled, its line still pending)
will use one whole fill of its prescription when it is dispensed
(``prescriptions.services.record_fill``), so it holds that fill from the moment
the order is placed. Otherwise one remaining fill could back two orders, and
the second would be paid for and then refused at the dispense step. A
cancelled order (or a line cancelled at dispense) gives its fill back; a
dispensed line is counted once, in ``fills_used``.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from prescriptions.drugs import drug_info, requires_prescription
from prescriptions.orders import LineStatus, OrderStatus

from .models import Patient, Prescription, PrescriptionEvent, PrescriptionFile
from .models import PrescriptionStatus as S

FILE_VIEW_PERMISSION = "prescriptions.view_prescriptionfile"
IN_PROGRESS = (S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED)


# --- For the customer's pages ---------------------------------------------------------


def prescriptions_for_customer(customer) -> QuerySet[Prescription]:
    """ "My prescriptions": the customer's prescriptions, newest first, with
    what the list shows (patient, product, file count) in a fixed number of queries."""
    product = apps.get_model("catalogue", "Product")
    return (
        Prescription.objects.filter(customer=customer)
        # The transcription and the products' drug facts: the refill picture of each row (prescriptions.refills).
        .select_related("patient", "transcription")
        .prefetch_related(
            Prefetch("product", queryset=product.objects.select_related("parent").prefetch_attribute_values()),
            Prefetch("files", queryset=PrescriptionFile.objects.order_by("uploaded_at", "id")),
            "transfer_requests",  # a transferred prescription says where it came from instead of its files
        )
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
            "transfer_requests",
        )
        .first()
    )


def patients_for_account(customer) -> QuerySet[Patient]:
    return Patient.objects.filter(account=customer).order_by("-relationship", "last_name", "first_name", "id")


# --- For the basket and the checkout gate --------------------------------------------------


def _usable_on(today: datetime.date) -> Q:
    return (
        Q(status=S.VERIFIED)
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        & Q(fills_used__lte=F("refills_authorized"))
    )


def verified_prescriptions_for(
    customer, product, *, patient: Patient | None = None, on: datetime.date | None = None
) -> QuerySet[Prescription]:
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
    # covered | awaiting_verification | needs_answer | not_usable | mismatch | no_prescription
    # | in_open_order (every fill left is already held by an open order, or by another line of this basket)
    state: str
    message: str
    prescription: Prescription | None = None
    attachable_count: int = 0
    product_title: str = ""


def _units(line) -> int:
    pack_size = drug_info(line.product).pack_size or 1
    return line.quantity * pack_size


def open_order_holds(prescription_ids) -> dict[int, list[str]]:
    """For each prescription, the numbers of the open orders holding one of its
    fills: one entry per order line that is still pending in an order that is
    not cancelled (that line uses a fill when it is dispensed). One query."""
    ids = {pk for pk in prescription_ids if pk}
    if not ids:
        return {}
    order_line = apps.get_model("order", "Line")
    holds: dict[int, list[str]] = {}
    rows = (
        order_line.objects.filter(prescription_id__in=ids, status=LineStatus.PENDING)
        .exclude(order__status=OrderStatus.CANCELLED)
        .order_by("order__date_placed", "order_id", "id")
        .values_list("prescription_id", "order__number")
    )
    for prescription_id, number in rows:
        holds.setdefault(prescription_id, []).append(number)
    return holds


def _held_message(ref: str, fills_remaining: int, order_numbers: list[str]) -> str:
    orders = sorted(set(order_numbers))
    if not orders:
        return _("Prescription %(ref)s has no fill left for this item: another item in this basket uses it.") % {
            "ref": ref
        }
    which = (
        _("your order %(number)s") % {"number": orders[0]}
        if len(orders) == 1
        else _("your orders %(numbers)s and %(last)s") % {"numbers": ", ".join(orders[:-1]), "last": orders[-1]}
    )
    if fills_remaining == 1:
        return _("This prescription's remaining fill is already in %(which)s (prescription %(ref)s).") % {
            "which": which,
            "ref": ref,
        }
    return _("This prescription's %(fills)s remaining fills are already in %(which)s (prescription %(ref)s).") % {
        "fills": fills_remaining,
        "which": which,
        "ref": ref,
    }


def _coverage(
    line,
    prescription: Prescription | None,
    owner_id: int | None,
    today: datetime.date,
    attachable_count: int = 0,
    held_by: list[str] | None = None,
    held_in_basket: int = 0,
) -> LineCoverage:
    """``held_by``: the numbers of the open orders holding a fill of the
    prescription (one per order line); ``held_in_basket``: earlier lines of the
    same basket covered by it."""

    def result(covered: bool, state: str, message: str) -> LineCoverage:
        return LineCoverage(line.id, covered, state, message, prescription, attachable_count, line.product.get_title())

    if prescription is None or owner_id is None or prescription.customer_id != owner_id:
        prescription = None
        return result(False, "no_prescription", _("No prescription is attached to this item yet."))
    ref = prescription.reference
    if prescription.product_id != line.product_id:
        return result(
            False, "mismatch", _("Prescription %(ref)s is for a different medicine or strength.") % {"ref": ref}
        )
    status = prescription.status
    if status in (S.SUBMITTED, S.IN_REVIEW):
        return result(
            False,
            "awaiting_verification",
            _("Prescription %(ref)s is waiting for our pharmacist to verify it.") % {"ref": ref},
        )
    if status == S.INFO_REQUESTED:
        return result(
            False,
            "needs_answer",
            _("Our pharmacist has a question about prescription %(ref)s: please answer it.") % {"ref": ref},
        )
    if status != S.VERIFIED:
        return result(
            False,
            "not_usable",
            _("Prescription %(ref)s is “%(status)s” and cannot be used.")
            % {"ref": ref, "status": prescription.customer_status},
        )
    if prescription.expires_on is not None and prescription.expires_on < today:
        return result(False, "not_usable", _("Prescription %(ref)s has expired.") % {"ref": ref})
    if prescription.fills_remaining < 1:
        return result(False, "not_usable", _("Prescription %(ref)s has no fills left.") % {"ref": ref})
    held_by = held_by or []
    if prescription.fills_remaining - len(held_by) - held_in_basket < 1:
        return result(False, "in_open_order", _held_message(ref, prescription.fills_remaining, held_by))
    units = _units(line)
    if units > prescription.quantity:
        return result(
            False,
            "mismatch",
            _(
                "Prescription %(ref)s covers %(quantity)s per fill; this line is for %(units)s. "
                "Reduce the quantity to what the prescription allows."
            )
            % {"ref": ref, "quantity": prescription.quantity, "units": units},
        )
    return result(True, "covered", _("Covered by your verified prescription %(ref)s.") % {"ref": ref})


def coverage_for_line(line, *, on: datetime.date | None = None) -> LineCoverage:
    """The coverage of one basket line (a query for its prescription, if any,
    and one for the open orders holding its fills)."""
    prescription = line.prescription if line.prescription_id else None
    holds = open_order_holds([line.prescription_id]) if prescription is not None else {}
    return _coverage(
        line, prescription, line.basket.owner_id, on or timezone.localdate(), held_by=holds.get(line.prescription_id)
    )


def covering_prescription_for_line(line, *, on: datetime.date | None = None) -> Prescription | None:
    """The verified prescription that covers this basket line, or None.

    This is what the checkout gate needs: a prescription line may be bought
    only when this returns a prescription.
    """
    coverage = coverage_for_line(line, on=on)
    return coverage.prescription if coverage.covered else None


def coverage_for_basket(basket, *, on: datetime.date | None = None, lock: bool = False) -> dict[int, LineCoverage]:
    """Coverage of every prescription line of a basket, keyed by line id, in
    three queries whatever the number of lines and orders (plus the drug facts
    oscar's ``all_lines`` products need).

    ``lock=True`` (inside the transaction that places the order) locks the
    prescriptions the lines use, in id order, before the open orders are
    counted: a second checkout placing an order for the same prescription
    waits, then counts the first one's order.
    """
    today = on or timezone.localdate()
    lines = [line for line in basket.all_lines() if requires_prescription(line.product)]
    if not lines:
        return {}
    owner_id = basket.owner_id
    ids = {line.prescription_id for line in lines if line.prescription_id}
    prescriptions: dict[int, Prescription] = {}
    if ids and owner_id:
        queryset = Prescription.objects.filter(pk__in=ids, customer_id=owner_id).order_by("pk")
        if lock:
            queryset = queryset.select_for_update()
        prescriptions = {p.pk: p for p in queryset}
    holds = open_order_holds(prescriptions)
    counts: dict[int, int] = {}
    if owner_id:
        for product_id in (
            Prescription.objects.filter(customer_id=owner_id, product_id__in={line.product_id for line in lines})
            .filter(_usable_on(today) | Q(status__in=IN_PROGRESS))
            .values_list("product_id", flat=True)
        ):
            counts[product_id] = counts.get(product_id, 0) + 1
    coverage: dict[int, LineCoverage] = {}
    in_basket: dict[int, int] = {}  # earlier lines of this basket covered by each prescription
    for line in lines:
        cover = _coverage(
            line,
            prescriptions.get(line.prescription_id),
            owner_id,
            today,
            counts.get(line.product_id, 0),
            held_by=holds.get(line.prescription_id),
            held_in_basket=in_basket.get(line.prescription_id, 0),
        )
        if cover.covered:
            in_basket[line.prescription_id] = in_basket.get(line.prescription_id, 0) + 1
        coverage[line.id] = cover
    return coverage


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


# --- The pharmacist's questions, as the customer reads them ------------------------------------


@dataclass(frozen=True)
class QuestionAndAnswer:
    """One question the pharmacist asked, and the customer's answer (issue 20.4)."""

    asked_at: datetime.datetime
    question: str
    answered_at: datetime.datetime | None = None
    answer: str = ""
    closed_without_answer: str = ""  # what happened instead (the status it moved to)

    @property
    def open(self) -> bool:
        return self.answered_at is None and not self.closed_without_answer


def questions_and_answers(events) -> list[QuestionAndAnswer]:
    """Each question (an event into "info requested") with what followed it: the customer's
    answer (the next event, out of "info requested", by the customer), or what closed it."""
    pairs: list[QuestionAndAnswer] = []
    asked: PrescriptionEvent | None = None
    for event in events:
        if asked is not None and event.from_status == S.INFO_REQUESTED:
            if event.actor_role == PrescriptionEvent.ActorRole.CUSTOMER:
                pairs.append(
                    QuestionAndAnswer(
                        asked_at=asked.created_at,
                        question=asked.message_to_customer,
                        answered_at=event.created_at,
                        answer=event.message_from_customer,
                    )
                )
            else:
                pairs.append(
                    QuestionAndAnswer(
                        asked_at=asked.created_at,
                        question=asked.message_to_customer,
                        closed_without_answer=event.get_to_status_display(),
                    )
                )
            asked = None
        if event.to_status == S.INFO_REQUESTED:
            asked = event
    if asked is not None:
        pairs.append(QuestionAndAnswer(asked_at=asked.created_at, question=asked.message_to_customer))
    return pairs


def prescriptions_of_order(order) -> list[Prescription]:
    """The prescriptions the order's lines use (its customer's own), in line order, once each."""
    ids = list(
        apps.get_model("order", "Line")
        .objects.filter(order=order, prescription__isnull=False)
        .order_by("pk")
        .values_list("prescription_id", flat=True)
    )
    found = {
        p.pk: p
        for p in Prescription.objects.filter(pk__in=ids, customer_id=order.user_id).select_related(
            "patient", "product", "transcription"
        )
    }
    return [found[pk] for pk in dict.fromkeys(ids) if pk in found]
