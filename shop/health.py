"""Health (`/healthz`) and readiness (`/readyz`) for the load balancer and the orchestrator.

`/healthz`: the process answers (touches nothing, not even the database): restart it if not.
`/readyz`: the database, the broker, the private file storage and Stripe each answer within
a short timeout: send it traffic only if so. The JSON says which check failed, never why in
detail (no host names, keys or error texts: the endpoints are public).
"""

from __future__ import annotations

import concurrent.futures
import logging

from django.conf import settings
from django.db import connection, transaction
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)
CHECK_SECONDS = 3.0


def _database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def _broker() -> None:
    if not settings.CELERY_BROKER_URL:
        return  # the demo runs tasks in-process: there is no broker to reach
    from shop.celery import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=CHECK_SECONDS)


def _private_storage() -> None:
    from django.core.files.storage import storages

    storages["private"].exists("readyz-probe")


def _stripe() -> None:
    import stripe

    base = {"base_addresses": {"api": settings.STRIPE_API_BASE.rstrip("/")}} if settings.STRIPE_API_BASE else {}
    client = stripe.StripeClient(
        settings.STRIPE_SECRET_KEY,
        max_network_retries=0,
        http_client=stripe.RequestsClient(timeout=CHECK_SECONDS),
        **base,
    )
    # A small authenticated read: the key is accepted and the network path is open.
    client.v1.customers.list(params={"limit": 1})


CHECKS = {"database": _database, "broker": _broker, "private_storage": _private_storage, "stripe": _stripe}


# Not in a request transaction (ATOMIC_REQUESTS): healthz must not touch the database, and
# readyz must answer 503, not fail, when the database is down.
@transaction.non_atomic_requests
@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


@transaction.non_atomic_requests
@never_cache
@require_GET
def readyz(request):
    results = {}
    # The database check runs here (Django connections belong to their thread); the others in parallel.
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=3)
    futures = {name: pool.submit(check) for name, check in CHECKS.items() if name != "database"}
    results["database"] = _run(_database)
    for name, future in futures.items():
        try:
            future.result(timeout=CHECK_SECONDS + 1)
            results[name] = "ok"
        except Exception as exc:  # noqa: BLE001 - any failure means not ready
            logger.warning("readyz: %s failed: %s", name, type(exc).__name__)
            results[name] = "failed"
    pool.shutdown(wait=False, cancel_futures=True)
    ready = all(value == "ok" for value in results.values())
    return JsonResponse({"status": "ok" if ready else "unavailable", "checks": results}, status=200 if ready else 503)


def _run(check) -> str:
    try:
        check()
        return "ok"
    except Exception as exc:  # noqa: BLE001
        logger.warning("readyz: %s failed: %s", check.__name__.strip("_"), type(exc).__name__)
        return "failed"
