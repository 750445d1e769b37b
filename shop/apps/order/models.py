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

_status_door: ContextVar[bool] = ContextVar("order_status_door", default=False)


class StatusChangeOutsideDoor(RuntimeError):
    """An order's or a line's status was saved without ``prescriptions.orders``."""


class StatusThroughTheDoor:
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

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._status_on_record = instance.__dict__.get("status")
        return instance

    def refresh_from_db(self, *args, **kwargs):
        super().refresh_from_db(*args, **kwargs)
        fields = kwargs.get("fields") or (args[1] if len(args) > 1 else None)
        if fields is None or "status" in fields:
            self._status_on_record = self.__dict__.get("status")

    def save(self, *args, **kwargs):
        changed = (
            not self._state.adding
            and "status" in self.__dict__
            and (self.status != getattr(self, "_status_on_record", self.status))
        )
        if changed and not _status_door.get():
            raise StatusChangeOutsideDoor(
                f"The status of {self._meta.verbose_name} {self.pk} changes only through prescriptions.orders "
                "(change_order_status / change_line_status)."
            )
        super().save(*args, **kwargs)
        self._status_on_record = self.__dict__.get("status")


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
