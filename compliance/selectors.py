"""Reads of stored evaluations, for the review screen and an inspector."""

from __future__ import annotations

from .models import ComplianceEvaluation


def evaluations_for(subject: str):
    """Every evaluation of a subject, newest first, with the actor."""
    return ComplianceEvaluation.objects.filter(subject=subject).select_related("actor").order_by("-created_at", "-id")


def latest_evaluation(subject: str, stage: str | None = None) -> ComplianceEvaluation | None:
    rows = evaluations_for(subject)
    if stage is not None:
        rows = rows.filter(stage=str(stage))
    return rows.first()
