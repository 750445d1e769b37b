"""Oscar's order dashboard views, forked: every status change goes through the order-status door.

- The single-order form and the list's bulk ``change_order_statuses`` call
  oscar's ``EventHandler.handle_order_status_change``, which rxshop's fork
  (shop/apps/order/processing.py) hands to ``prescriptions.fulfilment.
  change_status_as_staff``: "Shipped" is refused for every order (an order ships
  only on the ship screen, parcel by parcel, with a carrier and tracking number),
  "Cancelled" voids the card hold, then cancels; "Dispensed" is refused.
  Whatever is posted — offered by the form or not — the door decides, for
  every staff role, superusers included, and a refusal is shown in the door's
  words.
- ``change_line_statuses`` goes through ``prescriptions.orders.change_line_status``:
  lines move with their order or at the dispense step, so staff are offered
  none and any they post is refused with the reason.
- Status changes may move money at Stripe, which a rolled-back request cannot
  undo: these views run outside ``ATOMIC_REQUESTS``; each service commits its
  own transaction, and oscar's other actions keep one transaction each.
"""

from django.contrib import messages
from django.db import transaction
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from oscar.apps.dashboard.orders.views import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.dashboard.orders.views import OrderDetailView as CoreOrderDetailView
from oscar.apps.dashboard.orders.views import OrderListView as CoreOrderListView

from payments.exceptions import PaymentProblem
from prescriptions.orders import OrderStatus, Route, StatusRefused, change_line_status

REFUSED = (StatusRefused, PaymentProblem)

# Statuses staff may ever choose here (never Shipped: the ship screen); the door decides per order.
STAFF_CHOICES = (OrderStatus.COMPLETE, OrderStatus.CANCELLED)


def _changed(order, old_status) -> str:
    return _("Order %(number)s: status changed from “%(old)s” to “%(new)s”.") % {
        "number": order.number,
        "old": old_status,
        "new": order.status,
    }


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class OrderListView(CoreOrderListView):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["order_statuses"] = [str(status) for status in STAFF_CHOICES]
        return ctx

    def change_order_status(self, request, order):
        """One order of the bulk action: through the door; a refusal says why and the others go on."""
        new_status = request.POST.get("new_status", "").strip()
        if not new_status:
            messages.error(request, _("Choose the new status."))
            return
        old_status = order.status
        try:
            self.get_handler(user=request.user).handle_order_status_change(order, new_status)
        except REFUSED as exc:
            messages.error(request, str(exc))
        else:
            messages.info(request, _changed(order, old_status))


@method_decorator(transaction.non_atomic_requests, name="dispatch")
class OrderDetailView(CoreOrderDetailView):
    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        # Lines move with their order, or on the dispense screen: nothing for staff to choose.
        ctx["line_statuses"] = []
        return ctx

    def handle_order_action(self, request, order, action):
        if action == "change_order_status":
            return super().handle_order_action(request, order, action)
        with transaction.atomic():
            return super().handle_order_action(request, order, action)

    def handle_line_action(self, request, order, action):
        if action == "change_line_statuses":
            return super().handle_line_action(request, order, action)
        with transaction.atomic():
            return super().handle_line_action(request, order, action)

    def change_order_status(self, request, order):
        new_status = request.POST.get("new_status", "").strip()
        if not new_status:
            return self.reload_page(error=_("Choose the new status."))
        old_status = order.status
        try:
            self.get_handler(user=request.user).handle_order_status_change(order, new_status)
        except REFUSED as exc:
            return self.reload_page(error=str(exc))
        messages.info(request, _changed(order, old_status))
        return self.reload_page()

    def change_line_statuses(self, request, order, lines, quantities):
        new_status = request.POST.get("new_status", "").strip()
        if not new_status:
            return self.reload_page(error=_("Choose the new status."))
        try:
            with transaction.atomic():  # all the selected lines, or none
                for line in lines:
                    change_line_status(line=line, to=new_status, actor=request.user, via=Route.STAFF)
        except StatusRefused as exc:
            return self.reload_page(error=str(exc))
        messages.info(request, _("Line statuses changed to “%(status)s”.") % {"status": new_status})
        return self.reload_page()
