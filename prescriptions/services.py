"""Business actions on prescriptions (STYLE.md 3 and 4).

Every function takes keyword-only arguments and the acting user, runs in one
transaction, writes its audit record and enqueues Celery work on commit.

``transition_prescription`` is the one door for a prescription's status: it
checks ``TRANSITIONS``, locks the row, writes one ``PrescriptionEvent`` and
enqueues the customer's e-mail. The review workspace's actions (claim,
verify, reject, ask the customer) are thin wrappers around it.
"""
from __future__ import annotations

import datetime
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from oscar.core.loading import get_model

from compliance.online import sold_online
from prescriptions.drugs import drug_info
from infra.outbox import enqueue

from . import clamav
from .models import (
    Patient,
    Prescription,
    PrescriptionEvent,
    PrescriptionFile,
    PrescriptionFileAccess,
    PrescriptionStatus as S,
    ScanStatus,
    _open_status_door,
    private_storage,
)
from .uploads import AcceptedFile

Product = get_model("catalogue", "Product")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")

logger = logging.getLogger(__name__)

User = AbstractBaseUser  # the acting user; None where the system acts

Role = PrescriptionEvent.ActorRole
CUSTOMER, PHARMACY, SYSTEM = Role.CUSTOMER, Role.PHARMACY, Role.SYSTEM

# (from, to) -> who may make that move. Anything not listed is refused.
TRANSITIONS: dict[tuple[str, str], frozenset[str]] = {
    (S.SUBMITTED, S.IN_REVIEW): frozenset({PHARMACY}),        # a pharmacist claims it
    (S.IN_REVIEW, S.SUBMITTED): frozenset({PHARMACY}),        # released back to the queue
    (S.IN_REVIEW, S.VERIFIED): frozenset({PHARMACY}),
    (S.IN_REVIEW, S.REJECTED): frozenset({PHARMACY}),
    (S.IN_REVIEW, S.INFO_REQUESTED): frozenset({PHARMACY}),
    (S.INFO_REQUESTED, S.SUBMITTED): frozenset({CUSTOMER}),   # the customer answered
    (S.INFO_REQUESTED, S.REJECTED): frozenset({PHARMACY, SYSTEM}),  # e.g. no answer in time
    (S.VERIFIED, S.EXPIRED): frozenset({PHARMACY, SYSTEM}),
    (S.VERIFIED, S.USED_UP): frozenset({PHARMACY, SYSTEM}),
}
# The customer must be told why (a rejection) or what we need (a question).
MESSAGE_REQUIRED = frozenset({S.REJECTED, S.INFO_REQUESTED})
REVIEW_PERMISSION = "prescriptions.review_prescription"


class PrescriptionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(PrescriptionError):
    pass


class DuplicateFile(PrescriptionError):
    """The customer already uploaded this exact file; ``existing`` is it."""

    def __init__(self, existing: PrescriptionFile):
        self.existing = existing
        name = existing.original_name or "This file"
        uploaded = timezone.localtime(existing.uploaded_at)
        super().__init__(
            f"“{name}” is already on file with prescription {existing.prescription.reference} "
            f"(uploaded {uploaded:%B} {uploaded.day}, {uploaded.year}); it was not stored again."
        )


class CannotAttach(PrescriptionError):
    pass


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


# --- The one door ------------------------------------------------------------------


def actor_role(*, actor: User | None, prescription: Prescription) -> str | None:
    """How ``actor`` stands towards ``prescription``: the customer who owns it,
    pharmacy staff, the system (no actor), or nobody (None).

    A member of staff is only ever the customer for their own prescriptions, so
    nobody verifies their own prescription.
    """
    if actor is None:
        return SYSTEM
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return None
    if actor.pk == prescription.customer_id:
        return CUSTOMER
    if actor.has_perm(REVIEW_PERMISSION):
        return PHARMACY
    return None


@transaction.atomic
def transition_prescription(
    *,
    prescription: Prescription,
    to_status: str,
    actor: User | None,
    reason: str = "",
    reason_code: str = "",
    message_to_customer: str = "",
    message_from_customer: str = "",
) -> PrescriptionEvent:
    """Move ``prescription`` to ``to_status``; the only code that changes a status.

    ``reason``/``reason_code`` are for the pharmacy's records, ``message_to_customer``
    is shown to the customer (required for a rejection or a question),
    ``message_from_customer`` is the customer's answer. Raises ``TransitionNotAllowed``.
    Refreshes the ``prescription`` instance passed in.
    """
    try:
        target = S(to_status)
    except ValueError:
        raise TransitionNotAllowed(f"“{to_status}” is not a prescription status.") from None
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    current = S(locked.status)
    allowed = TRANSITIONS.get((current, target))
    if allowed is None:
        raise TransitionNotAllowed(
            f"Prescription {locked.reference} cannot go from “{current.label}” to “{target.label}”."
        )
    role = actor_role(actor=actor, prescription=locked)
    if role not in allowed:
        raise TransitionNotAllowed(
            f"You may not move prescription {locked.reference} from “{current.label}” to “{target.label}”."
        )
    message_to_customer = message_to_customer.strip()
    if target in MESSAGE_REQUIRED and not message_to_customer:
        raise TransitionNotAllowed(f"Moving a prescription to “{target.label}” needs a message to the customer.")
    if target == S.VERIFIED:
        _check_files_ready(locked)

    now = timezone.now()
    with _open_status_door():
        locked.status = target
        locked.status_changed_at = now
        locked.message_to_customer = message_to_customer
        locked.save(update_fields=["status", "status_changed_at", "message_to_customer", "updated_at"])
    event = PrescriptionEvent.objects.create(
        prescription=locked,
        actor=actor,
        actor_role=role,
        actor_name=_name_of(actor),
        from_status=current,
        to_status=target,
        reason_code=reason_code,
        reason=reason.strip(),
        message_to_customer=message_to_customer,
        message_from_customer=message_from_customer.strip(),
        created_at=now,
    )
    prescription.refresh_from_db(fields=["status", "status_changed_at", "message_to_customer", "updated_at"])
    _email_customer_on_commit(event)
    return event


def _check_files_ready(prescription: Prescription) -> None:
    files = list(prescription.files.all())
    if any(f.scan_status == ScanStatus.PENDING for f in files):
        raise TransitionNotAllowed(
            f"Prescription {prescription.reference} has a file still waiting for its virus scan."
        )
    if not any(f.is_servable for f in files):
        raise TransitionNotAllowed(f"Prescription {prescription.reference} has no readable file.")


def _name_of(actor: User | None) -> str:
    if actor is None:
        return "system"
    return (actor.get_full_name() or actor.get_username())[:255]


def _email_customer_on_commit(event: PrescriptionEvent) -> None:
    # Through the transactional outbox: sent after commit, and still sent if the
    # broker was down at that moment (infra.outbox).
    enqueue("prescriptions.tasks.send_prescription_status_email", event.pk)


# --- Submitting a prescription --------------------------------------------------------


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
    _refuse_duplicates(customer=customer, files=files)
    patient = _patient_for(customer=customer, patient=patient, details=patient_details)

    with _open_status_door():
        prescription = Prescription.objects.create(
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
            status=S.SUBMITTED,
        )
    event = PrescriptionEvent.objects.create(
        prescription=prescription,
        actor=customer,
        actor_role=CUSTOMER,
        actor_name=_name_of(customer),
        from_status="",
        to_status=S.SUBMITTED,
        reason_code="uploaded",
        created_at=prescription.status_changed_at,
    )
    _store_files(prescription=prescription, files=files)
    if basket_line is not None:
        attach_prescription_to_basket_line(line=basket_line, prescription=prescription, customer=customer)
    _email_customer_on_commit(event)
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
                account=customer, relationship=Patient.Relationship.SELF,
                first_name=details.first_name.strip(), last_name=details.last_name.strip(),
                date_of_birth=details.date_of_birth, address_line1=details.address_line1.strip(),
                address_line2=details.address_line2.strip(), city=details.city.strip(), state=details.state,
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
    if details.relationship == Patient.Relationship.SELF and Patient.objects.filter(
        account=customer, relationship=Patient.Relationship.SELF
    ).exists():
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


def _refuse_duplicates(*, customer: User, files: Sequence[AcceptedFile]) -> None:
    existing = (
        PrescriptionFile.objects.filter(customer=customer, sha256__in=[f.sha256 for f in files])
        .select_related("prescription")
        .order_by("uploaded_at")
        .first()
    )
    if existing is not None:
        raise DuplicateFile(existing)


def _store_files(*, prescription: Prescription, files: Sequence[AcceptedFile]) -> list[PrescriptionFile]:
    """Write the accepted bytes to private storage under random names.

    If anything fails, the bytes written so far are deleted again.
    """
    storage = private_storage()
    scanning = clamav.scanner_configured()
    stored_names: list[str] = []
    created: list[PrescriptionFile] = []
    seen: set[str] = set()
    try:
        for accepted in files:
            if accepted.sha256 in seen:  # the same file twice in one upload
                continue
            seen.add(accepted.sha256)
            name = storage.save(f"prescriptions/{uuid.uuid4().hex}.{accepted.extension}", ContentFile(accepted.data))
            stored_names.append(name)
            with transaction.atomic():
                created.append(
                    PrescriptionFile.objects.create(
                        prescription=prescription,
                        customer_id=prescription.customer_id,
                        stored_name=name,
                        original_name=accepted.original_name,
                        kind=accepted.kind,
                        content_type=accepted.content_type,
                        size=len(accepted.data),
                        page_count=accepted.page_count,
                        width=accepted.width,
                        height=accepted.height,
                        sha256=accepted.sha256,
                        stored_sha256=accepted.stored_sha256,
                        scan_status=ScanStatus.PENDING if scanning else ScanStatus.NOT_SCANNED,
                        scan_detail="" if scanning else clamav.scanner_description(),
                    )
                )
    except IntegrityError:
        _delete_stored(stored_names)
        # Uploaded twice at the same moment: the other upload won.
        existing = PrescriptionFile.objects.filter(
            customer_id=prescription.customer_id, sha256__in=list(seen)
        ).select_related("prescription").first()
        if existing is not None:
            raise DuplicateFile(existing) from None
        raise
    except BaseException:
        _delete_stored(stored_names)
        raise
    if scanning:
        for prescription_file in created:
            file_id = prescription_file.pk
            enqueue("prescriptions.tasks.scan_prescription_file", file_id)  # a lost scan would leave the file pending
    return created


ORPHAN_GRACE = datetime.timedelta(hours=1)


def delete_orphan_files(*, now: datetime.datetime | None = None) -> list[str]:
    """Delete stored files that no prescription file record names.

    Files are written before their record commits; when the request's transaction
    rolls back after that (or the process dies) the bytes stay behind with nothing
    pointing at them, medical data that nobody can see or delete. Only files older than
    ``ORPHAN_GRACE`` go, so an upload still in its transaction is never touched.
    Returns the names deleted.
    """
    now = now or timezone.now()
    storage = private_storage()
    try:
        _dirs, names = storage.listdir("prescriptions")
    except FileNotFoundError:
        return []
    candidates = [f"prescriptions/{name}" for name in names]
    known = set(PrescriptionFile.objects.filter(stored_name__in=candidates).values_list("stored_name", flat=True))
    deleted = []
    for name in candidates:
        if name in known:
            continue
        try:
            if now - storage.get_modified_time(name) < ORPHAN_GRACE:
                continue
        except FileNotFoundError:  # gone meanwhile
            continue
        _delete_stored([name])
        deleted.append(name)
    if deleted:
        logger.warning("Deleted %d stored prescription file(s) that no record names", len(deleted))
    return deleted


def _delete_stored(names: Sequence[str]) -> None:
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # pragma: no cover - best effort, logged
            logger.exception("Could not delete stored prescription file %s", name)


# --- The basket --------------------------------------------------------------------------


@transaction.atomic
def attach_prescription_to_basket_line(*, line: BasketLine, prescription: Prescription, customer: User) -> None:
    """Say which prescription covers a basket line (the gate decides whether it does)."""
    if line.basket.owner_id is None or line.basket.owner_id != customer.pk:
        raise CannotAttach("That basket line is not in your basket.")
    if prescription.customer_id != customer.pk:
        raise CannotAttach("That prescription is not on your account.")
    if prescription.product_id != line.product_id:
        raise CannotAttach(
            f"Prescription {prescription.reference} is for {prescription.product.get_title()}, "
            f"not for {line.product.get_title()}."
        )
    if prescription.status in {S.REJECTED, S.EXPIRED, S.USED_UP}:
        raise CannotAttach(
            f"Prescription {prescription.reference} is “{prescription.get_status_display()}” and cannot be used."
        )
    line.prescription = prescription
    line.save(update_fields=["prescription"])


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
        _refuse_duplicates(customer=customer, files=files)
    event = transition_prescription(
        prescription=prescription,
        to_status=S.SUBMITTED,
        actor=customer,
        reason_code="customer_answered",
        message_from_customer=answer,
    )
    if files:
        _store_files(prescription=locked, files=files)
    return event


# --- Virus scanning ------------------------------------------------------------------------------


@transaction.atomic
def record_scan_result(
    *, prescription_file: PrescriptionFile, infected: bool, signature: str = "", detail: str = ""
) -> PrescriptionFile:
    """Record clamd's verdict. An infected file's bytes are deleted (after
    commit) and the customer is told; the record stays, for the audit."""
    locked = PrescriptionFile.objects.select_for_update().get(pk=prescription_file.pk)
    if locked.scan_status != ScanStatus.PENDING:
        return locked  # already decided: the task ran twice
    locked.scanned_at = timezone.now()
    if infected:
        stored_name = locked.stored_name
        locked.scan_status = ScanStatus.INFECTED
        locked.scan_detail = (signature or detail or "virus found")[:255]
        locked.stored_name = ""
        locked.save(update_fields=["scan_status", "scan_detail", "stored_name", "scanned_at"])
        file_id = locked.pk
        transaction.on_commit(lambda: _delete_stored([stored_name]))
        enqueue("prescriptions.tasks.send_file_removed_email", file_id)
    else:
        locked.scan_status = ScanStatus.CLEAN
        locked.scan_detail = (detail or "clamd: OK")[:255]
        locked.save(update_fields=["scan_status", "scan_detail", "scanned_at"])
    return locked


@transaction.atomic
def record_scan_problem(*, prescription_file: PrescriptionFile, detail: str) -> None:
    """The scanner gave no verdict: the file stays pending, and staff can see why."""
    PrescriptionFile.objects.filter(pk=prescription_file.pk, scan_status=ScanStatus.PENDING).update(
        scan_detail=detail[:255]
    )


# --- Fills and expiry ----------------------------------------------------------------------------


@transaction.atomic
def record_fill(*, prescription: Prescription, actor: User | None) -> Prescription:
    """One fill of a verified prescription was dispensed; the last one uses it up."""
    locked = Prescription.objects.select_for_update().get(pk=prescription.pk)
    if locked.status != S.VERIFIED:
        raise TransitionNotAllowed(f"Prescription {locked.reference} is not verified, so it cannot be filled.")
    if actor_role(actor=actor, prescription=locked) not in {PHARMACY, SYSTEM}:
        raise TransitionNotAllowed("Only pharmacy staff record a fill.")
    if locked.fills_remaining < 1:
        raise TransitionNotAllowed(f"Prescription {locked.reference} has no fills left.")
    Prescription.objects.filter(pk=locked.pk).update(fills_used=F("fills_used") + 1)
    locked.refresh_from_db(fields=["fills_used"])
    if locked.fills_remaining == 0:
        transition_prescription(
            prescription=locked, to_status=S.USED_UP, actor=actor, reason_code="all_fills_used",
        )
    prescription.refresh_from_db()
    return prescription


def expire_prescriptions(*, today: datetime.date) -> int:
    """Verified prescriptions past their last fill date become expired (system actor).

    One transaction per prescription, so one failure does not hold up the rest.
    """
    due = Prescription.objects.filter(status=S.VERIFIED, expires_on__lt=today).values_list("pk", flat=True)
    count = 0
    for pk in list(due):
        prescription = Prescription.objects.get(pk=pk)
        try:
            transition_prescription(
                prescription=prescription, to_status=S.EXPIRED, actor=None, reason_code="expired",
                reason=f"Last fill date {prescription.expires_on:%Y-%m-%d} has passed.",
            )
            count += 1
        except TransitionNotAllowed:  # changed meanwhile
            continue
    return count


# --- Product page: upload, then buy ----------------------------------------------------------


@transaction.atomic
def add_to_basket_with_prescription(*, basket: Basket, prescription: Prescription, customer: User) -> BasketLine | None:
    """After an upload from the product page: the basket's lines for that
    medicine point at the new prescription (one line is added if there is
    none). Returns the line, or None if the product cannot be bought now."""
    from .selectors import coverage_for_line

    product = prescription.product
    lines = [line for line in basket.all_lines() if line.product_id == product.pk]
    if not lines:
        if not basket.strategy.fetch_for_product(product).availability.is_purchase_permitted(1)[0]:
            return None
        line, _ = basket.add_product(product, 1)
        lines = [line]
    for line in lines:
        if not coverage_for_line(line).covered:
            attach_prescription_to_basket_line(line=line, prescription=prescription, customer=customer)
    return lines[0]


# --- Audit: who opened a file -----------------------------------------------------------------------


@transaction.atomic
def record_file_access(
    *, prescription_file: PrescriptionFile, user: User, ip_address: str | None, user_agent: str = ""
) -> PrescriptionFileAccess:
    """A member of pharmacy staff opened a prescription file (append-only log)."""
    return PrescriptionFileAccess.objects.create(
        file=prescription_file, user=user, ip_address=ip_address, user_agent=user_agent[:255],
    )
