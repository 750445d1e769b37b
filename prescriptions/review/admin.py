"""Read-only admin: the workspace's records change only through its services,
and the audit records never (their ``save``/``delete`` raise as well)."""

from django.contrib import admin

from prescriptions.admin import ReadOnlyAdmin

from .models import AuditExport, ReviewClaim, ReviewDecision, Transcription, TranscriptionChange


@admin.register(Transcription)
class TranscriptionAdmin(ReadOnlyAdmin):
    list_display = (
        "prescription",
        "version",
        "drug_name",
        "strength",
        "quantity",
        "refills",
        "updated_at",
        "updated_by",
    )
    list_select_related = ("prescription", "updated_by")


@admin.register(TranscriptionChange)
class TranscriptionChangeAdmin(ReadOnlyAdmin):
    list_display = ("prescription", "version", "changed_by_name", "changed_at", "ip_address")
    list_select_related = ("prescription",)


@admin.register(ReviewClaim)
class ReviewClaimAdmin(ReadOnlyAdmin):
    list_display = ("prescription", "reviewer_name", "claimed_at", "expires_at", "released_at", "release_reason")
    list_filter = ("release_reason",)
    list_select_related = ("prescription",)


@admin.register(ReviewDecision)
class ReviewDecisionAdmin(ReadOnlyAdmin):
    list_display = (
        "prescription",
        "outcome",
        "reason_code",
        "decided_by_name",
        "decided_at",
        "evaluation",
        "ip_address",
    )
    list_filter = ("outcome", "reason_code")
    list_select_related = ("prescription",)


@admin.register(AuditExport)
class AuditExportAdmin(ReadOnlyAdmin):
    list_display = ("prescription", "exported_by_name", "exported_at", "row_count", "ip_address")
    list_select_related = ("prescription",)
