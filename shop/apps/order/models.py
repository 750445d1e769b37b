from django.db import models
from oscar.apps.order.abstract_models import AbstractLine


class Line(AbstractLine):
    # The prescription this line was dispensed against, copied from the basket
    # line when the order is placed (shop.apps.order.utils.OrderCreator).
    prescription = models.ForeignKey(
        "prescriptions.Prescription",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="order_lines",
    )


from oscar.apps.order.models import *  # noqa: E402,F401,F403  (oscar's fork pattern)
