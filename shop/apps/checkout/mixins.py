"""Order placement: e-mails go through Celery after the order is committed."""
from django.db import transaction
from oscar.apps.checkout.mixins import OrderPlacementMixin as OscarOrderPlacementMixin

from shop.pharmacy import tasks


class OrderPlacementMixin(OscarOrderPlacementMixin):
    def send_order_placed_email(self, order):
        order_id = order.pk
        transaction.on_commit(lambda: tasks.send_order_placed_email.delay(order_id))
