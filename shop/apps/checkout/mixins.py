"""Order placement: e-mails go through Celery (via the outbox) once the order is committed."""
from oscar.apps.checkout.mixins import OrderPlacementMixin as OscarOrderPlacementMixin

from shop.payments.services import initial_order_status
from shop.pharmacy import outbox, tasks


class OrderPlacementMixin(OscarOrderPlacementMixin):
    def send_order_placed_email(self, order):
        outbox.enqueue(tasks.send_order_placed_email, order.pk)

    def get_initial_order_status(self, basket):
        """Money follows the medicine: a prescription line waits for the pharmacist
        ("Awaiting dispense"), an over-the-counter order waits for shipping."""
        return initial_order_status(basket)
