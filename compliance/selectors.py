"""Reads of stored evaluations, for the review screen and an inspector."""

from __future__ import annotations

from .models import ComplianceEvaluation
from .subjects import Subject, about_prescription


def evaluations_for(subject: Subject | str):
    """Every evaluation of a subject, newest first, with the actor."""
    return (
        ComplianceEvaluation.objects.filter(subject=str(subject)).select_related("actor").order_by("-created_at", "-id")
    )


def latest_evaluation(subject: Subject | str, stage: str | None = None) -> ComplianceEvaluation | None:
    rows = evaluations_for(subject)
    if stage is not None:
        rows = rows.filter(stage=str(stage))
    return rows.first()


def evaluations_about_prescription(prescription_id: int):
    """Every evaluation about a prescription, whatever the stage and order line
    (review, checkout, dispense), newest first, with the actor."""
    return (
        ComplianceEvaluation.objects.filter(about_prescription(prescription_id))
        .select_related("actor")
        .order_by("-created_at", "-id")
    )
