"""The pharmacy's licences and programme certifications, and the append-only
record of every compliance evaluation."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from infra.appendonly import AppendOnlyModel

from .core import Finding, Severity, Stage
from .core.facts import NON_RESIDENT, RESIDENT
from .core.programmes import registered_codes
from .core.serialise import findings_from_jsonable
from .states import STATE_CHOICES


class PharmacyLicence(models.Model):
    """A state board of pharmacy licence (RULES.md 3.2). Valid through
    ``expires_on`` inclusive."""

    class Kind(models.TextChoices):
        RESIDENT = RESIDENT, _("Resident")
        NON_RESIDENT = NON_RESIDENT, _("Non-resident")

    state = models.CharField(max_length=2, choices=STATE_CHOICES)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.CharField("licence number", max_length=64)
    expires_on = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("state", "kind")
        constraints = [
            models.UniqueConstraint(fields=("state", "kind", "number"), name="compliance_licence_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.state} {self.get_kind_display().lower()} licence {self.number} (to {self.expires_on})"


def _programme_choices():
    return [(code, code) for code in registered_codes()]


class ProgrammeCertification(models.Model):
    """The pharmacy's certification in a REMS programme, e.g. iPLEDGE
    activation (RULES.md 1.1): certified from ``activated_on`` through
    ``reactivation_due`` inclusive, with a named responsible pharmacist."""

    programme = models.CharField(max_length=40, choices=_programme_choices, db_index=True)
    activated_on = models.DateField()
    reactivation_due = models.DateField(null=True, blank=True)
    responsible_pharmacist = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("programme", "-activated_on")

    def __str__(self) -> str:
        due = f", reactivation due {self.reactivation_due}" if self.reactivation_due else ""
        return f"{self.programme} from {self.activated_on}{due} (RSP {self.responsible_pharmacist})"

    def clean(self) -> None:
        if self.reactivation_due and self.activated_on and self.reactivation_due < self.activated_on:
            raise ValidationError({"reactivation_due": "Reactivation cannot be due before activation."})


class ComplianceEvaluation(AppendOnlyModel):
    """One run of the rules, as evidence: what was checked (the facts and their
    SHA-256 fingerprint, the configuration and programme versions used), when,
    for what, by whom, and what the rules found. Rows are never changed or
    deleted; a new evaluation is a new row."""

    stage = models.CharField(max_length=20, choices=[(s.value, s.name.title()) for s in Stage])
    subject = models.CharField(
        max_length=120,
        db_index=True,
        help_text="What was evaluated, e.g. prescription:42 or prescription:42:order:100023:line:7 (compliance.subjects).",
    )
    # The prescription the subject names, in a column of its own so that every evaluation
    # about a prescription, at any stage, is found by one indexed equality (the retention
    # purge, the inspector's history). A number, not a foreign key: compliance sits below
    # prescriptions, and the purge deletes these rows with the prescription.
    prescription_id = models.PositiveBigIntegerField(
        null=True, blank=True, help_text="The prescription this evaluation is about (compliance.subjects)."
    )
    moment = models.DateTimeField(help_text="The evaluation time the rules used.")
    facts = models.JSONField()
    fingerprint = models.CharField(max_length=64, db_index=True, help_text="SHA-256 of the canonical JSON facts.")
    config = models.JSONField(default=dict, help_text="Configuration and programme version in force.")
    findings_data = models.JSONField("findings", default=list)
    passed = models.BooleanField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [
            models.Index(fields=("subject", "stage", "-created_at"), name="compliance_eval_subject"),
            models.Index(fields=("prescription_id", "created_at"), name="compliance_eval_prescription"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.subject} {self.stage} {'passed' if self.passed else 'blocked'} at {self.moment:%Y-%m-%d %H:%M %Z}"
        )

    @property
    def findings(self) -> tuple[Finding, ...]:
        return findings_from_jsonable(self.findings_data)

    @property
    def blocks(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.BLOCK)

    @property
    def warnings(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.severity is Severity.WARN)
