"""Read-only admin: prescriptions change only through the services (review
workspace, customer pages); events and file accesses are append-only."""

from django.contrib import admin
from django.urls import reverse
from django.utils.html import format_html

from .models import (
    Patient,
    Prescription,
    PrescriptionEvent,
    PrescriptionFile,
    PrescriptionFileAccess,
    StaffDataView,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class FileInline(ReadOnlyInline):
    model = PrescriptionFile
    fields = ("open_link", "original_name", "kind", "page_count", "size", "scan_status", "scan_detail", "uploaded_at")
    readonly_fields = fields

    @admin.display(description="File")
    def open_link(self, obj):
        if not obj.is_servable:
            return obj.get_scan_status_display()
        return format_html(
            '<a href="{}" target="_blank" rel="noopener">open</a>',
            reverse("prescriptions:file", kwargs={"public_id": obj.public_id}),
        )


class EventInline(ReadOnlyInline):
    model = PrescriptionEvent
    fields = (
        "created_at",
        "actor_name",
        "actor_role",
        "from_status",
        "to_status",
        "reason_code",
        "reason",
        "message_to_customer",
        "message_from_customer",
    )
    readonly_fields = fields


@admin.register(Prescription)
class PrescriptionAdmin(ReadOnlyAdmin):
    list_display = ("reference", "customer", "patient", "product", "status", "status_changed_at", "created_at")
    list_filter = ("status",)
    search_fields = ("public_id", "customer__email", "patient__last_name", "prescriber_name")
    list_select_related = ("customer", "patient", "product")
    inlines = (FileInline, EventInline)


@admin.register(PrescriptionEvent)
class PrescriptionEventAdmin(ReadOnlyAdmin):
    list_display = ("prescription", "created_at", "actor_name", "actor_role", "from_status", "to_status", "reason_code")
    list_filter = ("to_status", "actor_role")
    list_select_related = ("prescription",)


@admin.register(PrescriptionFile)
class PrescriptionFileAdmin(ReadOnlyAdmin):
    list_display = ("public_id", "prescription", "kind", "size", "scan_status", "scan_detail", "uploaded_at")
    list_filter = ("scan_status", "kind")
    list_select_related = ("prescription",)
    exclude = ("stored_name",)


@admin.register(PrescriptionFileAccess)
class PrescriptionFileAccessAdmin(ReadOnlyAdmin):
    list_display = ("accessed_at", "user", "file", "ip_address")
    list_select_related = ("user", "file")


@admin.register(StaffDataView)
class StaffDataViewAdmin(ReadOnlyAdmin):
    """Staff views of patient data (prescriptions.audit): read, never added, changed or deleted."""

    list_display = ("viewed_at", "user", "page", "path", "order_number", "customer_id", "ip_address")
    list_filter = ("page",)
    list_select_related = ("user",)
    date_hierarchy = "viewed_at"
    show_full_result_count = False


@admin.register(Patient)
class PatientAdmin(ReadOnlyAdmin):
    list_display = ("full_name", "account", "relationship", "date_of_birth", "state")
    list_select_related = ("account",)
    search_fields = ("last_name", "first_name", "account__email")
