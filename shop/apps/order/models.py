"""Oscar's order models, forked: a line keeps its prescription, and a status moves only through the door.

An order's and a line's status change only through ``prescriptions.orders``
(``change_order_status``, ``change_line_status``), which opens ``status_door()``
around oscar's ``set_status``. Saving a changed status any other way — oscar's
dashboard calling ``set_status`` itself, the Django admin, ``order.status = …;
order.save()`` — raises ``StatusChangeOutsideDoor``: a broken invariant, never
caught. Creating an order or a line (checkout) sets the first status and is not
a change.
"""

import contextlib
from contextvars import ContextVar

from django.db import models
from oscar.apps.order.abstract_models import AbstractLine, AbstractOrder

from infra.statusrecord import StatusOnRecord

_status_door: ContextVar[bool] = ContextVar("order_status_door", default=False)


class StatusChangeOutsideDoor(RuntimeError):
    """An order's or a line's status was saved without ``prescriptions.orders``."""


class StatusThroughTheDoor(StatusOnRecord):
    """Refuses to save a changed ``status`` unless the door is open (a plain mixin:
    the models keep oscar's ``Meta``)."""

    @staticmethod
    @contextlib.contextmanager
    def status_door():
        """Used by ``prescriptions.orders`` only: lets ``save()`` write a new status."""
        token = _status_door.set(True)
        try:
            yield
        finally:
            _status_door.reset(token)

    def save(self, *args, **kwargs):
        if self.status_changed() and not _status_door.get():
            raise StatusChangeOutsideDoor(
                f"The status of {self._meta.verbose_name} {self.pk} changes only through prescriptions.orders "
                "(change_order_status / change_line_status)."
            )
        super().save(*args, **kwargs)
        self.remember_status()


class Order(StatusThroughTheDoor, AbstractOrder):
    pass


class Line(StatusThroughTheDoor, AbstractLine):
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
