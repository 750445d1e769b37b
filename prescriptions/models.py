"""Prescriptions: the patient, the prescription record, its files and its history.

A ``Prescription`` moves through named states (``PrescriptionStatus``). The
only code that changes ``status`` is ``prescriptions.services.transition_prescription``
(STYLE.md 4): ``save()`` refuses a status change made anywhere else, and every
change leaves one ``PrescriptionEvent``. Events and file-access records are
append-only: they can be created, never changed or deleted (RULES.md 3.5).
"""

from __future__ import annotations

import contextlib
import uuid
from contextvars import ContextVar

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from compliance.core.states import US_STATES
from infra.appendonly import AppendOnlyError, AppendOnlyModel, AppendOnlyQuerySet  # noqa: F401  (used here and re-exported)
from infra.statusrecord import StatusOnRecord

from .carriers import Carrier, tracking_url


class PrescriptionStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    IN_REVIEW = "in_review", _("In review")
    INFO_REQUESTED = "info_requested", _("Information requested")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Expired")
    USED_UP = "used_up", _("Used up")


# What the customer sees for each state: a short label and what happens next.
CUSTOMER_STATUS = {
    PrescriptionStatus.SUBMITTED: (
        _("Waiting for a pharmacist"),
        _("We have your prescription. A licensed pharmacist will check it, usually within 4 business hours."),
    ),
    PrescriptionStatus.IN_REVIEW: (
        _("A pharmacist is checking it"),
        _("Nothing to do for now: we will e-mail you as soon as the pharmacist has finished."),
    ),
    PrescriptionStatus.INFO_REQUESTED: (
        _("Our pharmacist has a question"),
        _("Please answer the pharmacist's question below; the review continues once you have replied."),
    ),
    PrescriptionStatus.VERIFIED: (
        _("Verified"),
        _("You can pay for the medicine it covers. Your card is charged only when we dispense."),
    ),
    PrescriptionStatus.REJECTED: (
        _("Not accepted"),
        _(
            "We cannot dispense against this prescription. Read the pharmacist's reason; you can upload a new prescription."
        ),
    ),
    PrescriptionStatus.EXPIRED: (
        _("Expired"),
        _("This prescription can no longer be filled. Ask your prescriber for a new one and upload it."),
    ),
    PrescriptionStatus.USED_UP: (
        _("All fills used"),
        _("Every fill of this prescription has been dispensed. Ask your prescriber for a new one and upload it."),
    ),
}


# --- The door for status changes ------------------------------------------------

_status_door: ContextVar[bool] = ContextVar("prescription_status_door", default=False)


@contextlib.contextmanager
def _open_status_door():
    """Used by ``prescriptions.services`` only: lets ``save()`` write a new status."""
    token = _status_door.set(True)
    try:
        yield
    finally:
        _status_door.reset(token)


class StatusChangeOutsideService(RuntimeError):
    """A prescription's status was changed without ``transition_prescription``."""


class PrescriptionQuerySet(models.QuerySet):
    """Bulk writes cannot change a status behind the service's back either."""

    def update(self, **kwargs):
        if "status" in kwargs and not _status_door.get():
            raise StatusChangeOutsideService("Use prescriptions.services.transition_prescription.")
        return super().update(**kwargs)

    def bulk_update(self, objs, fields, *args, **kwargs):
        if "status" in fields and not _status_door.get():
            raise StatusChangeOutsideService("Use prescriptions.services.transition_prescription.")
        return super().bulk_update(objs, fields, *args, **kwargs)

    def bulk_create(self, objs, *args, **kwargs):
        if not _status_door.get():
            raise StatusChangeOutsideService("Prescriptions are created by prescriptions.services.submit_prescription.")
        return super().bulk_create(objs, *args, **kwargs)


# --- Patient ------------------------------------------------------------------------


class Patient(models.Model):
    """The person a prescription is for: the account holder or someone they are responsible for."""

    class Relationship(models.TextChoices):
        SELF = "self", _("Me (the account holder)")
        CHILD = "child", _("My child")
        SPOUSE = "spouse", _("My spouse or partner")
        DEPENDENT = "dependent", _("Another person I am legally responsible for")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="patients",
        help_text=_("The account holder who manages this patient's prescriptions."),
    )
    relationship = models.CharField(max_length=20, choices=Relationship.choices, default=Relationship.SELF)
    first_name = models.CharField(max_length=100)
    last_name = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    address_line1 = models.CharField(_("Address"), max_length=255)
    address_line2 = models.CharField(_("Address (line 2)"), max_length=255, blank=True)
    city = models.CharField(max_length=100)
    state = models.CharField(max_length=2, choices=sorted(US_STATES.items(), key=lambda kv: kv[1]))
    postcode = models.CharField(_("ZIP code"), max_length=10)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("last_name", "first_name", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["account"], condition=Q(relationship="self"), name="one_self_patient_per_account"
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def relationship_text(self) -> str:
        """How the account holder would say it: _("you"), "your child"."""
        return {
            self.Relationship.SELF: _("you"),
            self.Relationship.CHILD: _("your child"),
            self.Relationship.SPOUSE: _("your spouse or partner"),
            self.Relationship.DEPENDENT: _("someone you are responsible for"),
        }.get(self.relationship, "")

    @property
    def address_text(self) -> str:
        parts = [self.address_line1, self.address_line2, f"{self.city}, {self.state} {self.postcode}"]
        return ", ".join(p for p in parts if p)


# --- Prescription --------------------------------------------------------------------


class Prescription(StatusOnRecord, models.Model):
    """A prescription as uploaded by a customer, and what it covers once verified.

    It covers one drug (``product``: the drug and strength as sold, with
    ``drug_name``/``strength`` kept as text), ``quantity`` dosage units per
    fill, and ``refills_authorized`` refills (so ``1 + refills_authorized``
    fills). The review workspace adds the transcription (prescriber NPI/DEA,
    directions, days' supply, date written, programme data).
    """

    Status = PrescriptionStatus

    objects = PrescriptionQuerySet.as_manager()

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prescriptions",
        help_text=_("The account that uploaded it and may use it."),
    )
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="prescriptions")
    product = models.ForeignKey(
        "catalogue.Product",
        on_delete=models.PROTECT,
        related_name="prescriptions",
        help_text=_("The medicine and strength as sold."),
    )
    drug_name = models.CharField(max_length=255)
    strength = models.CharField(max_length=100, blank=True)
    dosage_form = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(help_text=_("Dosage units (capsules, tablets) per fill."))
    refills_authorized = models.PositiveSmallIntegerField(default=0)
    fills_used = models.PositiveSmallIntegerField(default=0)
    expires_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("Last day it may be filled; set when it is verified."),
    )

    prescriber_name = models.CharField(max_length=200)
    prescriber_phone = models.CharField(max_length=40)
    prescriber_email = models.EmailField(blank=True)
    prescriber_address = models.CharField(max_length=255, blank=True)

    status = models.CharField(
        max_length=20,
        choices=PrescriptionStatus.choices,
        default=PrescriptionStatus.SUBMITTED,
        db_index=True,
    )
    status_changed_at = models.DateTimeField(default=timezone.now)
    # The latest message of the pharmacy to the customer (a rejection reason, a
    # question), copied from the event that set it so list pages need no join.
    message_to_customer = models.TextField(blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=["customer", "product", "status"]),
            # "My prescriptions", newest first: read in index order, LIMIT a page.
            models.Index(fields=["customer", "-created_at", "-id"], name="rx_customer_newest"),
        ]
        permissions = [
            ("review_prescription", "Can review prescriptions (claim, verify, reject, ask the customer)"),
        ]

    def __str__(self) -> str:
        return f"Prescription {self.reference}"

    def save(self, *args, **kwargs):
        changed = self._state.adding or self.status_changed()
        if changed and not _status_door.get():
            raise StatusChangeOutsideService(
                "A prescription's status changes only through prescriptions.services.transition_prescription "
                "(and it is created only by submit_prescription)."
            )
        super().save(*args, **kwargs)
        self.remember_status()

    @property
    def reference(self) -> str:
        """A short reference for the customer and the pharmacist (not used in URLs)."""
        return f"RX-{self.public_id.hex[:8].upper()}"

    @property
    def fills_allowed(self) -> int:
        return 1 + self.refills_authorized

    @property
    def fills_remaining(self) -> int:
        return max(self.fills_allowed - self.fills_used, 0)

    @cached_property
    def transfer_in(self) -> TransferRequest | None:
        """The transfer it came to us by (``prescriptions.transfers``), None for an upload. Such a
        prescription has no file: the signed original stays at the transferring pharmacy. Pages
        that list prescriptions prefetch ``transfer_requests``."""
        return next(iter(self.transfer_requests.all()), None)

    @property
    def customer_status(self) -> str:
        return CUSTOMER_STATUS[PrescriptionStatus(self.status)][0]

    @property
    def customer_next_step(self) -> str:
        return CUSTOMER_STATUS[PrescriptionStatus(self.status)][1]

    @property
    def is_open(self) -> bool:
        """Still on its way to a pharmacist's decision."""
        return self.status in {
            PrescriptionStatus.SUBMITTED,
            PrescriptionStatus.IN_REVIEW,
            PrescriptionStatus.INFO_REQUESTED,
        }


class PrescriptionEvent(AppendOnlyModel):
    """One status change of a prescription: who, when, from, to, why. Append-only."""

    class ActorRole(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PHARMACY = "pharmacy", _("Pharmacy staff")
        SYSTEM = "system", _("System")

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="prescription_events",
        help_text=_("Empty for the system (scheduled jobs)."),
    )
    actor_role = models.CharField(max_length=20, choices=ActorRole.choices)
    actor_name = models.CharField(max_length=255, blank=True, help_text=_("The actor's name at the time."))
    from_status = models.CharField(max_length=20, choices=PrescriptionStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=PrescriptionStatus.choices)
    reason_code = models.CharField(max_length=50, blank=True)
    reason = models.TextField(blank=True, help_text=_("For the pharmacy's records; not shown to the customer."))
    message_to_customer = models.TextField(blank=True)
    message_from_customer = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return f"{self.prescription_id}: {self.from_status or '—'} → {self.to_status}"


# --- Files ---------------------------------------------------------------------------


def private_storage():
    """The private storage, looked up on each use (tests swap it per test)."""
    from django.core.files.storage import storages

    return storages["private"]


class ScanStatus(models.TextChoices):
    PENDING = "pending", _("Pending virus scan")
    CLEAN = "clean", _("Scanned: clean")
    INFECTED = "infected", _("Virus found: file removed")
    NOT_SCANNED = "not_scanned", _("Not scanned: no virus scanner configured")


class PrescriptionFile(models.Model):
    """One uploaded file (a page or pages) of a prescription, in private storage."""

    class Kind(models.TextChoices):
        PDF = "pdf", "PDF"
        JPEG = "jpeg", "JPEG"
        PNG = "png", "PNG"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="files")
    customer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="prescription_files",
    )
    # The name in ``storages["private"]``: a random uuid, never the customer's
    # file name. Kept as text, not a FileField, so that nothing can ever ask the
    # storage for a URL; empty once the file has been removed (virus found).
    stored_name = models.CharField(max_length=255, blank=True)
    original_name = models.CharField(max_length=255, blank=True, help_text=_("As uploaded; text only."))
    kind = models.CharField(max_length=10, choices=Kind.choices)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField(help_text=_("Bytes stored."))
    page_count = models.PositiveSmallIntegerField(default=1)
    width = models.PositiveIntegerField(null=True, blank=True)
    height = models.PositiveIntegerField(null=True, blank=True)
    sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the file as uploaded."))
    stored_sha256 = models.CharField(max_length=64, help_text=_("SHA-256 of the bytes stored."))
    scan_status = models.CharField(max_length=20, choices=ScanStatus.choices)
    scan_detail = models.CharField(max_length=255, blank=True)
    scanned_at = models.DateTimeField(null=True, blank=True)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("uploaded_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["customer", "sha256"], name="one_copy_of_a_file_per_customer"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name or self.public_id} ({self.get_kind_display()})"

    @property
    def is_servable(self) -> bool:
        return bool(self.stored_name) and self.scan_status in {ScanStatus.CLEAN, ScanStatus.NOT_SCANNED}

    @property
    def download_name(self) -> str:
        """A safe file name for Content-Disposition (never the customer's file name)."""
        extension = {"pdf": "pdf", "jpeg": "jpg", "png": "png"}[self.kind]
        return f"prescription-{self.public_id.hex[:8]}.{extension}"


class PrescriptionFileAccess(AppendOnlyModel):
    """A member of pharmacy staff opened a prescription file. Append-only (RULES.md 3.5)."""

    file = models.ForeignKey(PrescriptionFile, on_delete=models.PROTECT, related_name="accesses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="prescription_file_accesses"
    )
    accessed_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("-accessed_at", "-id")
        verbose_name_plural = "prescription file accesses"

    def __str__(self) -> str:
        return f"{self.user_id} opened {self.file_id} at {self.accessed_at:%Y-%m-%d %H:%M}"


class StaffDataView(AppendOnlyModel):
    """A member of staff was shown a page of a patient's data: the review screen, the
    inspector's history, a customer's order or account in the dashboard, a search of
    orders or customers. Who, when, what, from where (HIPAA Security Rule audit
    controls, 45 CFR 164.312(b)). Written by ``prescriptions.audit``; append-only, like
    ``PrescriptionFileAccess``."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="patient_data_views")
    viewed_at = models.DateTimeField(default=timezone.now, db_index=True)
    page = models.CharField(max_length=100)  # the URL name, e.g. "dashboard:order-detail"
    path = models.CharField(max_length=500)  # with its query: what was searched for
    prescription = models.ForeignKey(
        Prescription, null=True, blank=True, on_delete=models.PROTECT, related_name="staff_views"
    )
    order_number = models.CharField(max_length=128, blank=True, db_index=True)
    # Whose data; kept as a plain id so that closing or purging an account is not blocked.
    customer_id = models.IntegerField(null=True, blank=True, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("-viewed_at", "-id")

    def __str__(self) -> str:
        return f"{self.user_id} viewed {self.path} at {self.viewed_at:%Y-%m-%d %H:%M}"


class PharmacyProfile(models.Model):
    """The pharmacy's own particulars, as the law wants them shown to the public and
    printed on what it sends: its name and address, the pharmacist in charge, its NPI and
    DEA registration (state licences are ``compliance.PharmacyLicence`` rows). One row,
    written by ``manage.py setup_pharmacy``; until it exists (the demo) the footer, the
    policy pages and the e-mails read ``settings.RXSHOP_PHARMACY`` (prescriptions.pharmacy)."""

    SINGLETON_ID = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON_ID, editable=False)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=300)
    phone = models.CharField(max_length=40)
    email = models.EmailField()
    pharmacist_in_charge = models.CharField("pharmacist in charge", max_length=200)
    npi = models.CharField("NPI", max_length=10)
    dea_registration = models.CharField("DEA registration", max_length=20, blank=True)
    pharmacist_hours = models.CharField(max_length=200, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="prescriptions_pharmacyprofile_one_row")]

    def __str__(self) -> str:
        return self.name


class Shipment(AppendOnlyModel):
    """One parcel handed to a carrier: which lines and how many of each, the carrier's tracking
    number, the day it left, who shipped it. Written only by
    ``prescriptions.fulfilment.ship_order``; append-only (a parcel that went out stays on record).
    An order may go out in several parcels; it is "Shipped" once every line not cancelled is."""

    order = models.ForeignKey("order.Order", on_delete=models.PROTECT, related_name="shipments")
    carrier = models.CharField(max_length=10)  # prescriptions.carriers.Carrier
    tracking_number = models.CharField(max_length=40)
    shipping_method = models.CharField(max_length=128, blank=True)  # oscar shipping method code
    shipped_on = models.DateField()
    promised_delivery_on = models.DateField(null=True, blank=True)
    shipped_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    shipped_by_name = models.CharField(max_length=255)
    recorded_at = models.DateTimeField(default=timezone.now)
    shipping_event = models.OneToOneField(
        "order.ShippingEvent", null=True, blank=True, on_delete=models.PROTECT, related_name="shipment"
    )

    class Meta:
        ordering = ("recorded_at", "id")
        permissions = [("ship_order", "Can ship orders (record parcels and their tracking numbers)")]

    def __str__(self) -> str:
        return f"Parcel {self.pk} of order {self.order_id} ({self.carrier} {self.tracking_number})"

    @property
    def carrier_label(self) -> str:
        return Carrier(self.carrier).label

    @property
    def tracking_url(self) -> str:
        return tracking_url(self.carrier, self.tracking_number)


class ShipmentLine(AppendOnlyModel):
    shipment = models.ForeignKey(Shipment, on_delete=models.PROTECT, related_name="lines")
    order_line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="shipment_lines")
    quantity = models.PositiveIntegerField()

    class Meta:
        ordering = ("id",)
        constraints = [models.UniqueConstraint(fields=["shipment", "order_line"], name="one_row_per_line_per_parcel")]


class PatientProfileVersion(AppendOnlyModel):
    """One version of a patient's clinical profile, which drug-utilisation
    review screens each prescription against (RULES.md 6.1). Append-only:
    every change is a new version, with who made it and when; the latest is
    the profile. ``allergy_answer`` keeps "no known allergies" (an answer)
    apart from "not asked".

    ``allergies``: ``[{"name", "code" (RxCUI or ""), "drug_class" (or ""),
    "reaction", "intolerance"}]``; ``conditions``: codes from
    ``compliance.core.facts.CONDITIONS``; ``medicines`` (from elsewhere):
    ``[{"name", "code" (RxCUI, or "" for free text a pharmacist has not
    mapped yet)}]``.
    """

    class AllergyAnswer(models.TextChoices):
        NOT_ASKED = "not-asked", _("Not asked yet")
        NONE_KNOWN = "none-known", _("No known allergies")
        LISTED = "listed", _("Allergies or intolerances listed")

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="profile_versions")
    version = models.PositiveIntegerField()
    allergy_answer = models.CharField(max_length=20, choices=AllergyAnswer.choices, default=AllergyAnswer.NOT_ASKED)
    allergies = models.JSONField(default=list, blank=True)
    conditions = models.JSONField(default=list, blank=True)
    medicines = models.JSONField(default=list, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+")
    changed_by_name = models.CharField(max_length=255, blank=True)
    changed_at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ("patient", "-version")
        constraints = [
            models.UniqueConstraint(fields=["patient", "version"], name="one_profile_version_number_per_patient")
        ]

    def __str__(self) -> str:
        return f"Profile of {self.patient} v{self.version}"


# --- Refills and transfers (issue 22) ---------------------------------------------------------


class RefillReminderOptOut(models.Model):
    """The account holder asked for no refill reminders: for one prescription, or (with no
    prescription) for every prescription on the account. A row is the opt-out; opting back
    in deletes it. Reminders never go out while one applies (``prescriptions.refills``)."""

    account = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    prescription = models.ForeignKey(
        Prescription, null=True, blank=True, on_delete=models.CASCADE, related_name="reminder_opt_outs"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["account", "prescription"],
                condition=Q(prescription__isnull=False),
                name="one_reminder_opt_out_per_prescription",
            ),
            models.UniqueConstraint(
                fields=["account"], condition=Q(prescription__isnull=True), name="one_reminder_opt_out_per_account"
            ),
        ]

    def __str__(self) -> str:
        return f"No refill reminders for {self.prescription_id or 'the account'} of {self.account_id}"


class TransferRequest(models.Model):
    """A patient asks us to move a prescription from another pharmacy ("transfer in").

    A queue item for the pharmacy: a pharmacist calls the transferring pharmacy and, under
    21 CFR 1306.25 (refills of Schedule III-V) or 1306.08(e) (an unfilled electronic
    Schedule II-V prescription, once, for its initial fill), records what was transferred:
    the transferring pharmacy and pharmacist, the original date written, the fills left and
    the date of the first fill. The status changes only in ``prescriptions.transfers``.
    """

    class State(models.TextChoices):
        REQUESTED = "requested", _("Requested")
        TRANSFERRED = "transferred", _("Transferred")
        REFUSED = "refused", _("Could not be transferred")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="transfer_requests")
    pharmacy_name = models.CharField(max_length=200)
    pharmacy_phone = models.CharField(max_length=40)
    prescription_number = models.CharField(_("prescription number at that pharmacy"), max_length=60)
    drug = models.CharField(_("medicine and strength"), max_length=255)
    state = models.CharField(max_length=20, choices=State.choices, default=State.REQUESTED, db_index=True)
    requested_at = models.DateTimeField(default=timezone.now, db_index=True)

    # What the pharmacist recorded when working it (both sides' records, 21 CFR 1306.25(b)).
    worked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    worked_by_name = models.CharField(max_length=255, blank=True)
    worked_at = models.DateTimeField(null=True, blank=True)
    transferring_pharmacist = models.CharField(max_length=200, blank=True)
    transferring_pharmacy_address = models.CharField(max_length=300, blank=True)
    transferring_pharmacy_dea = models.CharField("transferring pharmacy's DEA registration", max_length=20, blank=True)
    dea_schedule = models.PositiveSmallIntegerField(null=True, blank=True)
    electronic = models.BooleanField(default=False)
    date_written = models.DateField(null=True, blank=True)
    refills_authorized = models.PositiveSmallIntegerField(null=True, blank=True)
    fills_remaining = models.PositiveSmallIntegerField(null=True, blank=True)
    first_filled_on = models.DateField(null=True, blank=True)
    # The latest fill there (21 CFR 1306.25(b)(1)(iv): dates of previous refills): the refill
    # rules count from it until the first fill here.
    last_filled_on = models.DateField(null=True, blank=True)
    outcome_note = models.TextField(blank=True)
    prescription = models.ForeignKey(
        Prescription, null=True, blank=True, on_delete=models.PROTECT, related_name="transfer_requests"
    )

    class Meta:
        ordering = ("requested_at", "id")

    def __str__(self) -> str:
        return f"Transfer request {self.public_id.hex[:8].upper()} from {self.pharmacy_name}"

    @property
    def reference(self) -> str:
        return f"TR-{self.public_id.hex[:8].upper()}"


class AutoRefill(models.Model):
    """The patient asked for automatic refills of one prescription (issue 22, item 3).

    When a refill becomes allowed, the daily job (``prescriptions.autorefill``) places the order
    with the saved shipping address and authorises the saved card off-session; the order then
    waits for the pharmacist like any other. The consent is kept as it was given: the exact
    text shown, its version, when, and from which address. At most one enrolment of a
    prescription is active; a stopped one keeps why and when (the customer turned it off, the
    card was declined, a rule no longer allows a refill).
    """

    class State(models.TextChoices):
        ACTIVE = "active", _("On")
        STOPPED = "stopped", _("Stopped")

    class StopReason(models.TextChoices):
        CUSTOMER = "customer", _("You turned automatic refills off.")
        CARD_DECLINED = "card_declined", _("Your card was declined.")
        AUTHENTICATION_REQUIRED = "authentication_required", _("Your bank asked you to confirm the payment.")
        CARD_UNUSABLE = "card_unusable", _("Your saved card can no longer be used.")
        RULE = "rule", _("This prescription can no longer be refilled automatically.")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="auto_refills")
    customer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    saved_card = models.ForeignKey("payments.SavedCard", on_delete=models.PROTECT, related_name="+")
    # A copy of the address when the patient enrolled (oscar address fields, country by ISO code).
    shipping_address = models.JSONField()
    shipping_method = models.CharField(max_length=128)  # oscar shipping method code
    consent_text = models.TextField()
    consent_version = models.CharField(max_length=20)
    consented_at = models.DateTimeField(default=timezone.now)
    consent_ip = models.GenericIPAddressField(null=True, blank=True)
    consent_language = models.CharField(max_length=10, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE, db_index=True)
    stopped_at = models.DateTimeField(null=True, blank=True)
    stop_reason = models.CharField(max_length=30, choices=StopReason.choices, blank=True)
    # For the pharmacy and the patient's own page (may name the rule); never put in an e-mail.
    stop_detail = models.TextField(blank=True)

    class Meta:
        ordering = ("-consented_at", "-id")
        constraints = [
            models.UniqueConstraint(
                fields=["prescription"],
                condition=Q(state="active"),
                name="one_active_auto_refill_per_prescription",
            )
        ]

    def __str__(self) -> str:
        return f"Auto-refill of {self.prescription_id} ({self.state})"

    @property
    def is_active(self) -> bool:
        return self.state == self.State.ACTIVE


class AutoRefillRun(models.Model):
    """One attempt of the daily job at one fill of an enrolment: the idempotency key
    (enrolment, fill number) means a job run twice places one order for a fill."""

    class Outcome(models.TextChoices):
        STARTED = "started", "Started"
        PLACED = "placed", "Order placed"
        DECLINED = "declined", "Card declined"
        REFUSED = "refused", "Refused by the rules"

    auto_refill = models.ForeignKey(AutoRefill, on_delete=models.PROTECT, related_name="runs")
    fill_number = models.PositiveSmallIntegerField()
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.STARTED)
    order_number = models.CharField(max_length=128, blank=True)
    order = models.ForeignKey("order.Order", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    detail = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(fields=["auto_refill", "fill_number"], name="one_auto_refill_run_per_fill")
        ]

    def __str__(self) -> str:
        return f"Auto-refill {self.auto_refill_id} fill {self.fill_number}: {self.outcome}"
