"""Order placement: an order line keeps the prescription that covered its basket line."""

from oscar.apps.order.utils import *  # noqa: F401,F403  (keep oscar's other classes)
from oscar.apps.order.utils import OrderCreator as OscarOrderCreator


class OrderCreator(OscarOrderCreator):
    def create_line_models(self, order, basket_line, extra_line_fields=None):
        extra_line_fields = dict(extra_line_fields or {})
        extra_line_fields.setdefault("prescription_id", getattr(basket_line, "prescription_id", None))
        return super().create_line_models(order, basket_line, extra_line_fields)
