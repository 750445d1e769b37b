"""Read-only views of the payment records: they change only through services."""

from django.contrib import admin

from .models import PaymentAuthorisation, PaymentLogEntry, StripeEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentLogInline(admin.TabularInline):
    model = PaymentLogEntry
    extra = 0
    can_delete = False
    fields = ("created_at", "action", "from_state", "to_state", "amount", "actor", "reason", "stripe_reference")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(PaymentAuthorisation)
class PaymentAuthorisationAdmin(ReadOnlyAdmin):
    list_display = (
        "order_number",
        "attempt",
        "intent_id",
        "state",
        "amount_authorised",
        "amount_captured",
        "amount_refunded",
        "expires_at",
        "needs_review",
    )
    list_filter = ("state", "needs_review")
    search_fields = ("order_number", "intent_id")
    inlines = [PaymentLogInline]


@admin.register(StripeEvent)
class StripeEventAdmin(ReadOnlyAdmin):
    list_display = ("event_id", "type", "object_id", "outcome", "stripe_created", "received_at")
    list_filter = ("outcome", "type")
    search_fields = ("event_id", "object_id")
