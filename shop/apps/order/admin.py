"""Oscar's order admin, with the statuses read-only: an order's and a line's status
change only through the order-status door (prescriptions.orders), never by
typing a new one into the Django admin, superuser or not."""

from django.contrib import admin
from oscar.apps.order.admin import *  # noqa: F401,F403  (oscar's fork pattern; registers the rest)
from oscar.apps.order.admin import LineAdmin as CoreLineAdmin
from oscar.apps.order.admin import LineInline as CoreLineInline
from oscar.apps.order.admin import OrderAdmin as CoreOrderAdmin
from oscar.core.loading import get_model

Order = get_model("order", "Order")
Line = get_model("order", "Line")


class LineInline(CoreLineInline):
    readonly_fields = ("status",)


class OrderAdmin(CoreOrderAdmin):
    readonly_fields = (*CoreOrderAdmin.readonly_fields, "status")
    inlines = [LineInline]


class LineAdmin(CoreLineAdmin):
    readonly_fields = ("status",)


for model, model_admin in ((Order, OrderAdmin), (Line, LineAdmin)):
    admin.site.unregister(model)
    admin.site.register(model, model_admin)
