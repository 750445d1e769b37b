"""Programme authorisations (iPLEDGE RMAs) and dispense records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from prescriptions.models import AppendOnlyModel, Prescription
from prescriptions.orders import OrderStatus


class ProgrammeAuthorisation(models.Model):
    """A programme's authorisation for one fill (an iPLEDGE RMA), obtained by the
    dispensing pharmacist (RULES.md 1.2) and entered on the dispense screen.

    ``state`` moves only through ``prescriptions.dispensing.services``:
    active → dispensed, or active → reversal due → reversed (RULES.md 1.9).
    """

    class State(models.TextChoices):
        ACTIVE = "active", "Obtained, not yet dispensed"
        DISPENSED = "dispensed", "Dispensed"
        REVERSAL_DUE = "reversal_due", "Not dispensed: reverse it in the programme"
        REVERSED = "reversed", "Reversed"

    order_line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="programme_authorisations")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="programme_authorisations")
    programme = models.CharField(max_length=40)
    number = models.CharField("authorisation (RMA) number", max_length=40)
    risk_category = models.CharField(max_length=10, blank=True)
    do_not_dispense_after = models.DateField(null=True, blank=True)
    quantity = models.PositiveIntegerField(null=True, blank=True)
    days_supply = models.PositiveSmallIntegerField(null=True, blank=True)
    obtained_at = models.DateTimeField(default=timezone.now)
    obtained_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    state = models.CharField(max_length=20, choices=State.choices, default=State.ACTIVE, db_index=True)
    state_changed_at = models.DateTimeField(default=timezone.now)
    state_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-obtained_at", "-id"]
        permissions = [("dispense_order", "Can dispense orders and capture their payment")]

    def __str__(self) -> str:
        return f"{self.programme.upper()} {self.number}"

    # RmaLike for compliance.core.programmes.ipledge.rmas_due_for_reversal
    @property
    def dispensed_on(self):
        return self.state_changed_at.date() if self.state == self.State.DISPENSED else None

    @property
    def reversed_on(self):
        return self.state_changed_at.date() if self.state == self.State.REVERSED else None

    @property
    def cancelled(self) -> bool:
        return self.order_line.order.status == OrderStatus.CANCELLED


# What the history keeps of an RMA at each change.
RMA_FIELDS = (
    "number",
    "programme",
    "risk_category",
    "do_not_dispense_after",
    "quantity",
    "days_supply",
    "state",
    "state_reason",
)


class ProgrammeAuthorisationChange(AppendOnlyModel):
    """The RMA as entered and after every change: one row each time, never overwritten.

    ``ProgrammeAuthorisation`` holds the RMA's current values (the dispense step
    re-enters them, the daily job flags it, a pharmacist marks it reversed); an
    inspector replays its life from these rows (21 CFR 1304 style record keeping;
    iPLEDGE asks the pharmacy to keep each RMA it obtained and reversed).
    """

    authorisation = models.ForeignKey(ProgrammeAuthorisation, on_delete=models.PROTECT, related_name="changes")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="rma_changes")
    version = models.PositiveIntegerField()
    changed_at = models.DateTimeField(default=timezone.now)
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    changed_by_name = models.CharField(max_length=255)
    # The values after this change, and {field: {"old": …, "new": …}} for what moved.
    values = models.JSONField()
    changes = models.JSONField(default=dict)
    reason = models.TextField(blank=True)

    class Meta:
        ordering = ["changed_at", "id"]
        constraints = [models.UniqueConstraint(fields=["authorisation", "version"], name="dispensing_rma_version")]

    def __str__(self) -> str:
        return f"RMA {self.authorisation_id} v{self.version}"


class Dispense(AppendOnlyModel):
    """One order line released by a pharmacist: who, when, under which evaluation."""

    order_line = models.OneToOneField("order.Line", on_delete=models.PROTECT, related_name="dispense")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="dispenses")
    pharmacist = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    pharmacist_name = models.CharField(max_length=255)
    dispensed_at = models.DateTimeField(default=timezone.now)
    evaluation = models.ForeignKey("compliance.ComplianceEvaluation", on_delete=models.PROTECT, related_name="+")
    authorisation = models.ForeignKey(
        ProgrammeAuthorisation, null=True, blank=True, on_delete=models.PROTECT, related_name="dispenses"
    )
    medication_guide_included = models.BooleanField(default=False)

    class Meta:
        ordering = ["-dispensed_at", "-id"]

    def __str__(self) -> str:
        return f"Dispense of order line {self.order_line_id}"


# --- Fill accuracy: the NDC Directory, scans at fill, packs, labels, counselling -------------


class NdcPackage(models.Model):
    """One package of the FDA NDC Directory (product.txt joined to package.txt).

    Reference data, not a record: ``manage.py import_ndc_directory`` replaces rows by
    package NDC. ``digits`` (the NDC's 10 digits) is how a scanned GTIN finds its dashed
    NDC: the directory is the only place that knows the 4-4-2 / 5-3-2 / 5-4-1 split.
    """

    package_ndc = models.CharField("package NDC", max_length=12, unique=True)
    digits = models.CharField(max_length=10, db_index=True)
    product_ndc = models.CharField("product NDC", max_length=10, db_index=True)
    proprietary_name = models.CharField(max_length=255, blank=True)
    nonproprietary_name = models.CharField(max_length=512, blank=True)
    substance = models.CharField(max_length=512, blank=True)
    strength = models.CharField(max_length=255, blank=True, help_text="Numerator strength and unit, e.g. 20 mg/1.")
    dosage_form = models.CharField(max_length=255, blank=True)
    labeler = models.CharField(max_length=255, blank=True)
    dea_schedule = models.CharField(max_length=10, blank=True, help_text="CII … CV, empty when not controlled.")
    description = models.TextField(blank=True)
    marketing_ended_on = models.DateField(null=True, blank=True)
    source = models.CharField(max_length=120, help_text="Which NDC Directory file this row came from.")

    class Meta:
        ordering = ["package_ndc"]
        verbose_name = "NDC Directory package"

    def __str__(self) -> str:
        return f"{self.package_ndc} {self.proprietary_name} {self.strength}"


class FillScan(AppendOnlyModel):
    """Every scan (or keyed NDC) at fill, good or bad: what was read, by whom, the rule
    outcome. An accepted scan is a pack counted towards the line's quantity."""

    class Method(models.TextChoices):
        BARCODE = "barcode", "Barcode (scanner or camera)"
        MANUAL = "manual", "NDC keyed by a pharmacist"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted: right pack"
        ACCEPTED_WITH_WARNING = "warned", "Accepted with a warning"
        BLOCKED = "blocked", "Refused by a rule"
        UNREADABLE = "unreadable", "Not readable"

    order_line = models.ForeignKey("order.Line", on_delete=models.PROTECT, related_name="fill_scans")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="fill_scans")
    scanned_at = models.DateTimeField(default=timezone.now)
    scanned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    scanned_by_name = models.CharField(max_length=255)
    method = models.CharField(max_length=10, choices=Method.choices)
    raw = models.CharField(max_length=300, blank=True, help_text="What the scanner sent (ASCII 29 shown as <GS>).")
    gtin = models.CharField("GTIN", max_length=14, blank=True)
    ndc = models.CharField("NDC", max_length=12, blank=True)
    lot = models.CharField(max_length=20, blank=True, db_index=True)
    serial = models.CharField(max_length=20, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    quantity_confirmed = models.BooleanField(default=False)
    outcome = models.CharField(max_length=12, choices=Outcome.choices)
    findings = models.JSONField(default=list)
    reason = models.TextField(blank=True, help_text="Why the NDC was keyed (manual entry only).")

    class Meta:
        ordering = ["scanned_at", "id"]
        permissions = [("fill_order", "Can fill orders: scan the packs at the dispense bench")]

    def __str__(self) -> str:
        return f"Scan {self.pk} of line {self.order_line_id}: {self.outcome}"

    @property
    def counts(self) -> bool:
        return self.outcome in (self.Outcome.ACCEPTED, self.Outcome.ACCEPTED_WITH_WARNING)

    @property
    def messages(self) -> list[str]:
        return [f["pharmacist_message"] for f in self.findings]


class DispensedPack(AppendOnlyModel):
    """A pack that went out with a dispense: NDC, lot, expiry and serial, for recalls."""

    dispense = models.ForeignKey(Dispense, on_delete=models.PROTECT, related_name="packs")
    scan = models.OneToOneField(FillScan, on_delete=models.PROTECT, related_name="dispensed_pack")
    ndc = models.CharField("NDC", max_length=12, db_index=True)
    lot = models.CharField(max_length=20, db_index=True)
    serial = models.CharField(max_length=20, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["dispense", "id"]

    def __str__(self) -> str:
        return f"NDC {self.ndc} lot {self.lot}"


class Counselling(AppendOnlyModel):
    """The offer to counsel at release (OBRA '90; state mail-order rules): offered how,
    and the patient's answer."""

    class Answer(models.TextChoices):
        ACCEPTED = "accepted", "Accepted: counselled"
        DECLINED = "declined", "Declined by the patient"
        OFFERED = "offered", "Offered in writing (toll-free number on the label and in the parcel); no answer yet"

    dispense = models.OneToOneField(Dispense, on_delete=models.PROTECT, related_name="counselling")
    answer = models.CharField(max_length=10, choices=Answer.choices)
    offered_by = models.CharField(max_length=255)
    toll_free_number = models.CharField(max_length=40)
    method = models.CharField(max_length=80, blank=True, help_text="By phone, in writing …")
    counselled_at = models.DateTimeField(null=True, blank=True)
    counselled_by = models.CharField(max_length=255, blank=True)
    notes = models.TextField(blank=True)
    recorded_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Counselling for dispense {self.dispense_id}: {self.answer}"


class LabelPrint(AppendOnlyModel):
    """Each time a dispense's label was printed; the first is the original, the rest reprints."""

    dispense = models.ForeignKey(Dispense, on_delete=models.PROTECT, related_name="label_prints")
    printed_at = models.DateTimeField(default=timezone.now)
    printed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    printed_by_name = models.CharField(max_length=255)
    reprint = models.BooleanField(default=False)
    reason = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["printed_at", "id"]

    def __str__(self) -> str:
        return f"Label of dispense {self.dispense_id} ({'reprint' if self.reprint else 'original'})"
