"""Oscar's analytics counters (product views, basket additions, orders, searches),
safe under concurrent requests.

Oscar counts with "UPDATE …; if no row, INSERT": two requests for a product nobody has
viewed yet both INSERT, and the second one's IntegrityError is caught by oscar *inside
the request's transaction* (ATOMIC_REQUESTS), which PostgreSQL has then aborted. The page
(or Place order) fails with a server error. Found by bench/load.py.

Here each receiver runs in its own savepoint: a collision rolls back only the counting,
which runs once more (the row now exists, so the UPDATE finds it). Counting is never
worth failing a customer's request for: a second collision is logged and dropped.
"""

from __future__ import annotations

import functools
import logging

from django.db import DatabaseError, transaction

logger = logging.getLogger(__name__)

RECEIVERS = ("receive_product_view", "receive_product_search", "receive_basket_addition", "receive_order_placed")


def savepointed(receiver):
    @functools.wraps(receiver)
    def counted(*args, **kwargs):
        for attempt in (1, 2):
            try:
                with transaction.atomic():
                    return receiver(*args, **kwargs)
            except DatabaseError:
                if attempt == 2:
                    logger.warning("Analytics not counted (%s): concurrent updates collided twice", receiver.__name__)
        return None

    return counted


def install() -> None:
    """Swap oscar's analytics receivers for savepointed ones (once; from PharmacyConfig.ready)."""
    from oscar.apps.analytics import receivers as oscar_receivers
    from oscar.apps.basket.signals import basket_addition
    from oscar.apps.catalogue.signals import product_viewed
    from oscar.apps.order.signals import order_placed
    from oscar.apps.search.signals import user_search

    signals = {
        "receive_product_view": product_viewed,
        "receive_product_search": user_search,
        "receive_basket_addition": basket_addition,
        "receive_order_placed": order_placed,
    }
    for name in RECEIVERS:
        original = getattr(oscar_receivers, name)
        signal = signals[name]
        signal.disconnect(original)
        signal.connect(savepointed(original), weak=False, dispatch_uid=f"rxshop-analytics-{name}")
