"""Records past their retention period, and their purge.

A prescription and everything recorded about it (its files, their access log,
its status history, transcription, review claims and decisions, dispenses,
programme authorisations, and every rule evaluation about it, at review,
checkout or dispense: ``compliance.subjects.about_prescription``) are kept
for ``RXSHOP_RETENTION_YEARS`` (6 by default) after the prescription's *last*
activity: its last status change, event, file upload, file opening, dispense or
order. Only a prescription that is closed (rejected, expired or used up) can be
past retention; an open one is never purged.

``purge_past_retention`` deletes exactly those, one prescription per
transaction, and nothing else: orders stay (a sale has its own retention, and
an order line merely loses its link to the purged prescription). A patient
record left with no prescription on a closed account goes too, and a closed
account left with nothing to keep is deleted. Append-only rows (events,
file accesses, evaluations) refuse ``delete()`` by design; the purge is the one
place that removes them, with a raw ``DELETE`` per table.

Run ``manage.py purge_past_retention`` (a dry run that only reports) and
``manage.py purge_past_retention --apply``.
"""

from __future__ import annotations

import datetime
import logging
from collections import Counter
from dataclasses import dataclass, field

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.db.models import Max, ProtectedError, Q, RestrictedError
from django.utils import timezone

from compliance import subjects
from prescriptions.models import Patient, PatientProfileVersion, Prescription, PrescriptionStatus, private_storage

logger = logging.getLogger(__name__)

CLOSED = (PrescriptionStatus.REJECTED, PrescriptionStatus.EXPIRED, PrescriptionStatus.USED_UP)
# Apps whose rows about a prescription are pharmacy records, purged with it. Rows of other
# apps (order and basket lines) are records of something else: they only lose the link.
PHARMACY_APPS = {"prescriptions", "review", "dispensing", "compliance"}


def retention_years() -> int:
    return int(getattr(settings, "RXSHOP_RETENTION_YEARS", 6))


def retention_cutoff(now: datetime.datetime | None = None, *, years: int | None = None) -> datetime.datetime:
    """The moment ``years`` before ``now``: records last active before it are past retention."""
    now = now or timezone.now()
    years = retention_years() if years is None else years
    try:
        return now.replace(year=now.year - years)
    except ValueError:  # 29 February
        return now.replace(year=now.year - years, day=28)


def _activity_fields() -> dict[str, str]:
    """Annotation name -> lookup of every dated activity of a prescription."""
    fields = {
        "last_event": "events__created_at",
        "last_upload": "files__uploaded_at",
        "last_file_access": "files__accesses__accessed_at",
        "last_order": "order_lines__order__date_placed",
    }
    if apps.is_installed("prescriptions.dispensing"):
        fields["last_dispense"] = "dispenses__dispensed_at"
    return fields


def prescriptions_past_retention(*, now: datetime.datetime | None = None):
    cutoff = retention_cutoff(now)
    activity = _activity_fields()
    queryset = Prescription.objects.filter(
        status__in=CLOSED, created_at__lt=cutoff, status_changed_at__lt=cutoff, updated_at__lt=cutoff
    ).annotate(**{name: Max(lookup) for name, lookup in activity.items()})
    for name in activity:
        queryset = queryset.filter(Q(**{f"{name}__lt": cutoff}) | Q(**{f"{name}__isnull": True}))
    return queryset.order_by("pk")


@dataclass
class PurgeReport:
    dry_run: bool
    cutoff: datetime.datetime
    prescriptions: list[str] = field(default_factory=list)  # references
    rows: Counter = field(default_factory=Counter)  # model label -> rows (to be) deleted
    files: int = 0  # stored files (to be) deleted
    unlinked: Counter = field(default_factory=Counter)  # model label -> rows that lose their link
    patients: int = 0  # applied runs only: patients left with nothing, on closed accounts
    accounts: int = 0  # applied runs only: closed accounts left with nothing


def purge_past_retention(*, now: datetime.datetime | None = None, dry_run: bool = True) -> PurgeReport:
    report = PurgeReport(dry_run=dry_run, cutoff=retention_cutoff(now))
    for prescription in prescriptions_past_retention(now=now):
        with transaction.atomic():
            _purge_prescription(prescription, report)
            if dry_run:
                transaction.set_rollback(True)
    if not dry_run and report.prescriptions:
        _purge_orphans(report)
        logger.info(
            "retention purge: %s prescriptions past %s deleted (%s)",
            len(report.prescriptions),
            f"{report.cutoff:%Y-%m-%d}",
            ", ".join(report.prescriptions),
        )
    return report


# --- Deleting one prescription and what hangs on it --------------------------------------------


def _purge_prescription(prescription: Prescription, report: PurgeReport) -> None:
    report.prescriptions.append(prescription.reference)
    stored = list(prescription.files.exclude(stored_name="").values_list("stored_name", flat=True))
    evaluations: set[int] = set()
    _delete_with_dependents(Prescription, [prescription.pk], report, evaluations)
    _delete_evaluations(evaluations | _evaluations_by_subject(prescription), report)
    report.files += len(stored)
    if not report.dry_run:
        names = list(stored)
        transaction.on_commit(lambda: _delete_stored(names))


def _reverse_relations(model):
    return [rel for rel in model._meta.related_objects if rel.one_to_many or rel.one_to_one]


def _delete_with_dependents(model, pks: list, report: PurgeReport, evaluations: set[int]) -> None:
    """Delete ``model`` rows ``pks``, their pharmacy dependents first; unlink other apps' rows."""
    if not pks:
        return
    for rel in _reverse_relations(model):
        related, fk = rel.related_model, rel.field
        rows = related._base_manager.filter(**{f"{fk.name}__in": pks})
        if related._meta.app_label not in PHARMACY_APPS:
            if not fk.null:
                raise ProtectedError(
                    f"{related._meta.label} rows need {model._meta.label} rows being purged", set(rows)
                )
            count = rows.count()
            if count:
                report.unlinked[related._meta.label] += count
                # A plain UPDATE: these are other apps' records, their own rules do not apply here.
                models.QuerySet(related, using=rows.db).filter(pk__in=rows.values("pk")).update(**{fk.name: None})
            continue
        child_pks = list(rows.values_list("pk", flat=True))
        _delete_with_dependents(related, child_pks, report, evaluations)
    evaluations.update(_evaluations_referenced(model, pks))
    queryset = model._base_manager.filter(pk__in=pks)
    report.rows[model._meta.label] += len(pks)
    # The one deliberate deletion of append-only rows (see the module docstring).
    queryset._raw_delete(queryset.db)


def _evaluations_referenced(model, pks) -> set[int]:
    found = set()
    for fk in model._meta.concrete_fields:
        if (
            fk.is_relation
            and fk.related_model is not None
            and fk.related_model._meta.label == "compliance.ComplianceEvaluation"
        ):
            found.update(v for v in model._base_manager.filter(pk__in=pks).values_list(fk.attname, flat=True) if v)
    return found


def _evaluations_by_subject(prescription) -> set[int]:
    """Every evaluation about the prescription, whatever the stage: review, checkout, dispense
    (``compliance.subjects``). At checkout and dispense the facts hold the patient's name and
    date of birth too, and no other row points at those evaluations."""
    if not apps.is_installed("compliance"):
        return set()
    evaluation = apps.get_model("compliance", "ComplianceEvaluation")
    return set(
        evaluation._base_manager.filter(subjects.about_prescription(prescription.pk)).values_list("pk", flat=True)
    )


def _delete_evaluations(pks: set[int], report: PurgeReport) -> None:
    if not pks:
        return
    evaluation = apps.get_model("compliance", "ComplianceEvaluation")
    # Still pointed at by a kept row (another prescription's decision, say)? Then it stays.
    still_used = set()
    for rel in _reverse_relations(evaluation):
        still_used.update(
            rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": pks}).values_list(
                rel.field.attname, flat=True
            )
        )
    doomed = list(pks - still_used)
    if doomed:
        queryset = evaluation._base_manager.filter(pk__in=doomed)
        report.rows[evaluation._meta.label] += len(doomed)
        queryset._raw_delete(queryset.db)


def _delete_stored(names: list[str]) -> None:
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except OSError:  # gone already, or the bucket refused: logged, the rows are gone either way
            logger.warning("retention purge: could not delete a stored prescription file")


# --- Patients and closed accounts left with nothing ----------------------------------------------


def _orphan_patients():
    return Patient.objects.filter(prescriptions__isnull=True, account__is_active=False)


def _purge_orphans(report: PurgeReport) -> None:
    User = get_user_model()
    for patient in _orphan_patients():
        account_id = patient.account_id
        with transaction.atomic():
            # Their health information (append-only versions) goes with them: the one deliberate deletion.
            versions = PatientProfileVersion._base_manager.filter(patient=patient)
            report.rows[PatientProfileVersion._meta.label] += versions.count()
            versions._raw_delete(versions.db)
            patient.delete()
            report.patients += 1
        user = User.objects.filter(pk=account_id, is_active=False).first()
        if user is not None and user.username.startswith("closed-account-"):
            try:
                with transaction.atomic():
                    user.delete()
                report.accounts += 1
            except (ProtectedError, RestrictedError):
                continue  # something else of theirs is still kept
