"""Oscar's order dashboard forms; the status form offers what the order-status door allows staff."""

from oscar.apps.dashboard.orders.forms import *  # noqa: F401,F403  (oscar's fork pattern)
from oscar.apps.dashboard.orders.forms import OrderStatusForm as CoreOrderStatusForm

from prescriptions.fulfilment import statuses_for_staff


class OrderStatusForm(CoreOrderStatusForm):
    """Only the statuses a staff member can move this order to now (never "Dispensed":
    that is the pharmacist's dispense screen). The view asks the door again on submit."""

    def __init__(self, order, *args, **kwargs):
        super().__init__(order, *args, **kwargs)
        self.fields["new_status"].choices = [(str(status), str(status)) for status in statuses_for_staff(order)]
