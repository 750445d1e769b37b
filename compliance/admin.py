from __future__ import annotations

import json

from django.contrib import admin
from django.utils.html import format_html, format_html_join

from .models import ComplianceEvaluation, PharmacyLicence, ProgrammeCertification


@admin.register(PharmacyLicence)
class PharmacyLicenceAdmin(admin.ModelAdmin):
    list_display = ("state", "kind", "number", "expires_on")
    list_filter = ("kind", "state")
    search_fields = ("state", "number")
    ordering = ("state", "kind")


@admin.register(ProgrammeCertification)
class ProgrammeCertificationAdmin(admin.ModelAdmin):
    list_display = ("programme", "activated_on", "reactivation_due", "responsible_pharmacist")
    list_filter = ("programme",)


@admin.register(ComplianceEvaluation)
class ComplianceEvaluationAdmin(admin.ModelAdmin):
    """Read-only: evaluations are evidence."""

    list_display = ("created_at", "subject", "stage", "passed", "moment", "actor", "short_fingerprint")
    list_filter = ("stage", "passed")
    search_fields = ("subject", "fingerprint")
    date_hierarchy = "created_at"
    list_select_related = ("actor",)
    fields = (
        "subject",
        "prescription_id",
        "stage",
        "moment",
        "passed",
        "actor",
        "created_at",
        "fingerprint",
        "findings_table",
        "facts_pretty",
        "config_pretty",
    )
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="fingerprint")
    def short_fingerprint(self, obj):
        return obj.fingerprint[:12]

    @admin.display(description="findings")
    def findings_table(self, obj):
        if not obj.findings:
            return "No findings: every rule passed."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (f.severity.value.upper(), f.rule_id, f.pharmacist_message, f.customer_message, f.source)
                for f in obj.findings
            ),
        )
        return format_html(
            "<table><tr><th>severity</th><th>rule</th><th>pharmacist</th><th>customer</th><th>source</th></tr>{}</table>",
            rows,
        )

    @admin.display(description="facts")
    def facts_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.facts, indent=2, sort_keys=True))

    @admin.display(description="configuration")
    def config_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.config, indent=2, sort_keys=True))
