"""The status a row was loaded with, so that ``save()`` can tell a status change from any
other write. Models whose status moves only through one door (a prescription through
``prescriptions.services.status``, an order and its lines through ``prescriptions.orders``)
refuse a changed status saved any other way; this mixin is what lets them see the change."""

from __future__ import annotations


class StatusOnRecord:
    """A plain mixin (the model keeps its own ``Meta``) for a model with a ``status`` field."""

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

    def status_changed(self) -> bool:
        """True when a loaded row's status differs from the one on record (a new row: False)."""
        return (
            not self._state.adding
            and "status" in self.__dict__
            and self.status != getattr(self, "_status_on_record", self.status)
        )

    def remember_status(self) -> None:
        self._status_on_record = self.__dict__.get("status")
