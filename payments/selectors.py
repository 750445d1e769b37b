"""Reads of the payment records, for payments and for the order-status door above it."""

from __future__ import annotations

from .models import PaymentAuthorisation


def authorisation_for(order, *, lock: bool = False) -> PaymentAuthorisation | None:
    """The card payment of ``order``: its latest attempt that did not fail, or None (a free order).

    With ``lock`` the row is locked (``select_for_update``, inside a transaction):
    lock the order first, then this, as every money and status change does.
    """
    queryset = (
        PaymentAuthorisation.objects.filter(order_id=order.pk)
        .exclude(state=PaymentAuthorisation.State.FAILED)
        .order_by("-attempt")
    )
    if lock:
        queryset = queryset.select_for_update()
    return queryset.first()
