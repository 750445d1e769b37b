"""Order placement: e-mails go through Celery (via the outbox) once the order is committed."""

from oscar.apps.checkout.mixins import OrderPlacementMixin as OscarOrderPlacementMixin

from infra import outbox
from prescriptions.orders import initial_order_status


class OrderPlacementMixin(OscarOrderPlacementMixin):
    def send_order_placed_email(self, order):
        outbox.enqueue("shop.pharmacy.tasks.send_order_placed_email", order.pk)

    def get_initial_order_status(self, basket):
        """Money follows the medicine: a prescription line waits for the pharmacist,
        an over-the-counter order waits for shipping (the order-status door decides)."""
        return initial_order_status(basket)
