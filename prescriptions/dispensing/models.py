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
