"""The one place that builds a Stripe client.

Settings (``shop/settings.py``): ``STRIPE_SECRET_KEY``, ``STRIPE_API_BASE``
(empty means the real api.stripe.com; set, it points at the local test server,
localstripe), ``STRIPE_WEBHOOK_SECRET``, ``STRIPE_MAX_NETWORK_RETRIES`` and
``STRIPE_TIMEOUT_SECONDS``.

Everything rxshop sends is limited to what both real Stripe and localstripe
accept (``/work/shared/notes/LOCALSTRIPE.md``): the order number goes in
``metadata``, ``payment_method_types=["card"]``, the payment method is set when
the intent is created, and ``expand=["latest_charge"]`` is always asked for so
both servers answer with the same shape.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import urlparse

import stripe
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

STRIPE_HOSTS = ("api.stripe.com",)
EXPAND = ["latest_charge"]


def _api_host(base: str) -> str:
    return (urlparse(base).hostname or "").lower()


def check_configuration() -> None:
    """Refuse a configuration that could move real money in the wrong place.

    A live key must only ever be sent to Stripe itself: pointing ``sk_live_`` at
    another server would hand a live secret to that server.
    """
    key = settings.STRIPE_SECRET_KEY or ""
    base = settings.STRIPE_API_BASE or ""
    if not key:
        raise ImproperlyConfigured("STRIPE_SECRET_KEY is not set.")
    if not key.startswith(("sk_", "rk_")):
        raise ImproperlyConfigured("STRIPE_SECRET_KEY must be a Stripe secret key (sk_… or rk_…).")
    if base and _api_host(base) not in STRIPE_HOSTS and key.startswith(("sk_live_", "rk_live_")):
        raise ImproperlyConfigured(
            f"A live Stripe key must not be sent to {base}: live keys only go to api.stripe.com. "
            "Unset STRIPE_API_BASE or use a test key."
        )


def is_test_server() -> bool:
    """True when rxshop talks to the local test server (localstripe), not Stripe.

    Only then are test cards chosen by name and turned into payment methods on
    the server; with real Stripe the card is entered in Stripe.js and rxshop
    never sees a card number.
    """
    base = settings.STRIPE_API_BASE or ""
    return bool(base) and _api_host(base) not in STRIPE_HOSTS


def stripe_client() -> stripe.StripeClient:
    """The process's configured ``StripeClient``; use ``stripe_client().v1.…``.

    One client per process and configuration: its HTTP client keeps a ``requests`` session
    per thread, so consecutive calls (create, confirm, capture) reuse one connection to
    Stripe instead of a new TLS handshake each. A changed setting (tests, a key rotated
    without a restart) gets a client of its own.

    The SDK retries timeouts, connection errors, 409 and 5xx answers itself,
    re-sending the same ``Idempotency-Key`` (``STRIPE_MAX_NETWORK_RETRIES``).
    """
    check_configuration()
    config = (
        settings.STRIPE_SECRET_KEY,
        (settings.STRIPE_API_BASE or "").rstrip("/"),
        getattr(settings, "STRIPE_MAX_NETWORK_RETRIES", 2),
        getattr(settings, "STRIPE_TIMEOUT_SECONDS", 30),
    )
    client = _CLIENTS.get(config)
    if client is None:
        client = _CLIENTS[config] = _build_client(*config)
    return client


_CLIENTS: dict[tuple, stripe.StripeClient] = {}


def _build_client(key: str, base: str, retries: int, timeout: float) -> stripe.StripeClient:
    kwargs = {"base_addresses": {"api": base}} if base else {}
    return stripe.StripeClient(
        key,
        max_network_retries=retries,
        http_client=stripe.RequestsClient(timeout=timeout),
        **kwargs,
    )


# --- Amounts -------------------------------------------------------------------
# rxshop sells in USD; Stripe counts in the minor unit (cents). Zero-decimal
# currencies are not supported on purpose: refuse rather than charge 100x.
_TWO_DECIMAL = {"usd", "eur", "gbp", "cad"}


def to_minor_units(amount: Decimal, currency: str) -> int:
    if currency.lower() not in _TWO_DECIMAL:
        raise ImproperlyConfigured(f"Currency {currency} is not supported for card payments.")
    return int((Decimal(amount) * 100).quantize(Decimal("1"), rounding=ROUND_HALF_UP))


def from_minor_units(amount: int, currency: str) -> Decimal:
    if currency.lower() not in _TWO_DECIMAL:
        raise ImproperlyConfigured(f"Currency {currency} is not supported for card payments.")
    return (Decimal(amount) / 100).quantize(Decimal("0.01"))
