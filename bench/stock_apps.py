"""The one piece of rxshop that stock oscar keeps in the benchmarks (bench/stock_settings.py):
oscar's analytics counters, each in a savepoint (shop/storefront/analytics.py).

Stock oscar counts product views, basket additions and orders with "UPDATE, else INSERT";
two concurrent requests that both INSERT fail one of them with a server error (a race that
bench/load.py found). Under load stock oscar would lose journeys to it, so it is measured
with the fix, which costs a savepoint per count (as it does in rxshop).
"""

from django.apps import AppConfig


class StockAnalyticsConfig(AppConfig):
    name = "bench"
    label = "bench_stock"
    verbose_name = "Stock oscar, with savepointed analytics"

    def ready(self) -> None:
        from shop.storefront import analytics

        analytics.install()
