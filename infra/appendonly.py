"""Append-only records, one way for the whole project: events, access logs, rule evaluations,
RMA history, payment logs. A row can be created, never changed or deleted, by a model method
or in bulk; trying is a broken invariant (``AppendOnlyError``, a ``RuntimeError``), never a
refusal to show anyone. The one deliberate deletion is the retention purge, which removes
rows past their retention period with a raw delete (``prescriptions.retention``)."""

from __future__ import annotations

from django.db import models


class AppendOnlyError(RuntimeError):
    """An append-only record was changed or deleted."""


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be updated.")

    def delete(self):
        raise AppendOnlyError(f"{self.model.__name__} rows are append-only: they cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnlyError(f"{type(self).__name__} rows are append-only: they cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnlyError(f"{type(self).__name__} rows are append-only: they cannot be deleted.")
