"""The review workspace's records: the transcription of a prescription, who
is working on it (claims), and the append-only audit of what was changed and
decided (RULES.md 3.5).

- ``Transcription``: what the technician or pharmacist read off the document
  (RULES.md 2.1 elements, programme data). One per prescription; it changes
  only through ``review.services.save_transcription``, and every change leaves
  a ``TranscriptionChange`` with the old and new values.
- ``ReviewClaim``: one reviewer works on a prescription at a time. A claim is
  open until released, decided or lapsed; at most one open claim per
  prescription (a database constraint). Rows are never deleted.
- ``ReviewDecision``: verified, rejected or information requested, with the
  compliance evaluation (id and fingerprint) and the override reason of every
  WARN. Append-only.
- ``AuditExport``: someone exported a prescription's history. Append-only.

The staff file-open log is ``prescriptions.PrescriptionFileAccess``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from prescriptions.models import AppendOnlyError, AppendOnlyModel, Prescription, PrescriptionEvent


class RiskCategory(models.TextChoices):
    """iPLEDGE's two categories (RULES.md 1.4), as written by the prescriber or shown on the RMA."""

    CAN = "can", "Patient can get pregnant"
    CANNOT = "cannot", "Patient cannot get pregnant"


# RULES.md 2.1 elements a pharmacist may complete after calling the prescriber
# (never the drug, the patient's name or the signature).
COMPLETABLE_ELEMENTS = (
    ("patient_address", "Patient's address"),
    ("patient_date_of_birth", "Patient's date of birth"),
    ("prescriber_address", "Prescriber's address"),
    ("prescriber_npi", "Prescriber's NPI"),
    ("prescriber_dea_number", "Prescriber's DEA number"),
    ("strength", "Strength"),
    ("dosage_form", "Dosage form"),
    ("quantity", "Quantity"),
    ("directions", "Directions"),
    ("refills", "Refills"),
    ("date_written", "Date written"),
)


class _NoDeleteQuerySet(models.QuerySet):
    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are part of the audit trail: they cannot be deleted.")


class _ClaimQuerySet(_NoDeleteQuerySet):
    def update(self, **kwargs):
        if not set(kwargs) <= ReviewClaim.MUTABLE_FIELDS:
            raise AppendOnlyError("A claim can only be renewed or ended, not rewritten.")
        return super().update(**kwargs)


class Transcription(models.Model):
    """The prescription as transcribed from its document (step 1 of the review)."""

    objects = _NoDeleteQuerySet.as_manager()

    prescription = models.OneToOneField(Prescription, on_delete=models.PROTECT, related_name="transcription")

    prescriber_name = models.CharField(max_length=200, blank=True)
    prescriber_address = models.CharField(max_length=255, blank=True)
    prescriber_npi = models.CharField("NPI", max_length=10, blank=True)
    prescriber_dea_number = models.CharField("DEA number", max_length=20, blank=True)

    drug_name = models.CharField(max_length=255, blank=True)
    strength = models.CharField(max_length=100, blank=True)
    dosage_form = models.CharField(max_length=100, blank=True)
    quantity = models.PositiveIntegerField(null=True, blank=True, help_text="Dosage units per fill.")
    days_supply = models.PositiveSmallIntegerField("days' supply", null=True, blank=True)
    directions = models.TextField("directions (sig)", blank=True)
    refills = models.PositiveSmallIntegerField(null=True, blank=True)
    date_written = models.DateField(null=True, blank=True)
    # "Do not fill before": one of several Schedule II prescriptions written the
    # same day must say when it may be filled (21 CFR 1306.12(b)(1)(ii)).
    earliest_fill_date = models.DateField("do not fill before", null=True, blank=True)
    signature_present = models.BooleanField(default=False)

    risk_category = models.CharField(max_length=10, choices=RiskCategory.choices, blank=True)
    rma_number = models.CharField("RMA number", max_length=40, blank=True)
    do_not_dispense_after = models.DateField("do not dispense after", null=True, blank=True)

    completed_elements = models.JSONField(
        default=list,
        blank=True,
        help_text="Elements the pharmacist completed after contacting the prescriber.",
    )
    completion_note = models.TextField(blank=True, help_text="Who confirmed what, and when.")

    # Incremented by every saved change; a form carries the version it showed,
    # so a decision is never made on values the decider has not seen.
    version = models.PositiveIntegerField(default=0)
    # The compliance evaluation (Stage.VERIFY) of the latest facts.
    latest_evaluation = models.ForeignKey(
        "compliance.ComplianceEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    evaluated_version = models.PositiveIntegerField(null=True, blank=True)

    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        permissions = [
            ("access_workspace", "Can open the pharmacist review workspace (queue, review screen, claims)"),
            ("transcribe_prescription", "Can transcribe a prescription (step 1)"),
            ("decide_prescription", "Can verify or reject a prescription or ask the customer (licensed pharmacist)"),
            ("view_audit_trail", "Can view and export the full history of a prescription (inspector)"),
        ]

    def __str__(self) -> str:
        return f"Transcription of {self.prescription_id} (v{self.version})"

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("A transcription is part of the audit trail: it cannot be deleted.")

    @property
    def is_evaluated(self) -> bool:
        return self.latest_evaluation_id is not None and self.evaluated_version == self.version


class TranscriptionChange(AppendOnlyModel):
    """One saved change of a transcription: who, when, from where, old → new. Append-only."""

    transcription = models.ForeignKey(Transcription, on_delete=models.PROTECT, related_name="changes")
    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="transcription_changes")
    version = models.PositiveIntegerField(help_text="The transcription's version after this change.")
    changes = models.JSONField(help_text='{"field": {"old": ..., "new": ...}}')
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    changed_by_name = models.CharField(max_length=255)
    changed_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ("changed_at", "id")
        indexes = [models.Index(fields=["prescription", "changed_by"], name="review_change_rx_user")]

    def __str__(self) -> str:
        return f"{self.prescription_id} v{self.version} by {self.changed_by_name}"


class ReviewClaim(models.Model):
    """A reviewer is working on a prescription until ``expires_at`` (renewed by
    each action) unless released first. Only the end (``released_at``,
    ``release_reason``) and the renewal (``expires_at``) ever change."""

    class Release(models.TextChoices):
        RELEASED = "released", "Released by the reviewer"
        DECIDED = "decided", "A decision was made"
        LAPSED = "lapsed", "Lapsed (no activity)"

    objects = _ClaimQuerySet.as_manager()

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="review_claims")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewer_name = models.CharField(max_length=255)
    claimed_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    released_at = models.DateTimeField(null=True, blank=True)
    release_reason = models.CharField(max_length=20, choices=Release.choices, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    MUTABLE_FIELDS = frozenset({"expires_at", "released_at", "release_reason"})

    class Meta:
        ordering = ("claimed_at", "id")
        constraints = [
            # Two reviewers can never both hold a prescription, whatever the code does.
            models.UniqueConstraint(
                fields=["prescription"],
                condition=Q(released_at__isnull=True),
                name="review_one_open_claim_per_prescription",
            ),
        ]
        indexes = [models.Index(fields=["reviewer", "released_at"], name="review_claim_reviewer")]

    def __str__(self) -> str:
        return f"{self.prescription_id} claimed by {self.reviewer_name} at {self.claimed_at:%Y-%m-%d %H:%M}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            fields = kwargs.get("update_fields")
            if fields is None or not set(fields) <= self.MUTABLE_FIELDS:
                raise AppendOnlyError("A claim can only be renewed or ended, not rewritten.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError("Claims are part of the audit trail: they cannot be deleted.")

    def is_active(self, now=None) -> bool:
        return self.released_at is None and self.expires_at > (now or timezone.now())


class Outcome(models.TextChoices):
    VERIFIED = "verified", "Verified"
    REJECTED = "rejected", "Rejected"
    INFO_REQUESTED = "info_requested", "Information requested"


class RejectionReason(models.TextChoices):
    NOT_VALID = "not_valid", "Not a valid prescription"
    PRESCRIBER_UNVERIFIED = "prescriber_unverified", "Prescriber could not be verified"
    PATIENT_MISMATCH = "patient_mismatch", "Patient details do not match"
    PROGRAMME_REQUIREMENTS = "programme_requirements", "Programme requirements not met (e.g. iPLEDGE)"
    EXPIRED = "expired", "Prescription expired"
    WRONG_PRODUCT = "wrong_product", "Prescription is for a different medicine or strength"
    NO_ANSWER = "no_answer", "No answer to our question"
    OTHER = "other", "Other (explain in the note)"


class ReviewDecision(AppendOnlyModel):
    """A pharmacist's decision on a prescription, with its evidence. Append-only."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="review_decisions")
    event = models.OneToOneField(PrescriptionEvent, on_delete=models.PROTECT, related_name="review_decision")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    reason_code = models.CharField(max_length=40, blank=True)
    note = models.TextField(blank=True, help_text="For the pharmacy's records; not shown to the customer.")
    message_to_customer = models.TextField(blank=True)

    evaluation = models.ForeignKey(
        "compliance.ComplianceEvaluation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="The evaluation run at the moment of the decision (required to verify).",
    )
    evaluation_fingerprint = models.CharField(max_length=64, blank=True)
    warning_overrides = models.JSONField(
        default=list,
        blank=True,
        help_text='[{"rule_id", "source", "message", "override_reason"}] for every WARN at verification.',
    )
    transcription_version = models.PositiveIntegerField(null=True, blank=True)
    transcription_snapshot = models.JSONField(default=dict, blank=True)
    quantity_authorized = models.PositiveIntegerField(null=True, blank=True)
    refills_authorized = models.PositiveSmallIntegerField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)

    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_by_name = models.CharField(max_length=255)
    decided_at = models.DateTimeField(default=timezone.now, db_index=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ("decided_at", "id")

    def __str__(self) -> str:
        return f"{self.prescription_id} {self.outcome} by {self.decided_by_name} at {self.decided_at:%Y-%m-%d %H:%M}"


class AuditExport(AppendOnlyModel):
    """Someone exported a prescription's history (it contains patient data). Append-only."""

    prescription = models.ForeignKey(Prescription, on_delete=models.PROTECT, related_name="audit_exports")
    exported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    exported_by_name = models.CharField(max_length=255)
    exported_at = models.DateTimeField(default=timezone.now)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    row_count = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64, help_text="SHA-256 of the exported file.")

    class Meta:
        ordering = ("exported_at", "id")

    def __str__(self) -> str:
        return f"{self.prescription_id} exported by {self.exported_by_name} at {self.exported_at:%Y-%m-%d %H:%M}"
