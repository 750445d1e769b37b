"""The one Stripe client factory, and the configuration it refuses."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from django.core.exceptions import ImproperlyConfigured

from payments.apps import check_stripe_settings
from payments.client import from_minor_units, is_test_server, stripe_client, to_minor_units


def test_a_live_key_is_never_sent_to_a_server_other_than_stripe(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_51abc"
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    with pytest.raises(ImproperlyConfigured, match="live Stripe key"):
        stripe_client()
    assert [error.id for error in check_stripe_settings()] == ["payments.E001"]


def test_a_live_key_with_real_stripe_is_accepted(settings):
    settings.STRIPE_SECRET_KEY = "sk_live_51abc"
    settings.STRIPE_API_BASE = ""
    assert stripe_client() is not None
    assert not is_test_server()
    assert check_stripe_settings() == []


def test_a_test_key_may_use_the_local_server(settings):
    settings.STRIPE_SECRET_KEY = "sk_test_abc"
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    assert stripe_client() is not None and is_test_server()


def test_amounts_travel_in_cents():
    assert to_minor_units(D("25.99"), "USD") == 2599
    assert from_minor_units(2599, "usd") == D("25.99")
    with pytest.raises(ImproperlyConfigured):
        to_minor_units(D("100"), "JPY")


def test_one_client_per_process_and_configuration(settings):
    """Place order makes several Stripe calls: they share one client (and its per-thread HTTP
    session, one TLS connection) instead of building a client, and a connection, per call."""
    settings.STRIPE_SECRET_KEY = "sk_test_abc"
    settings.STRIPE_API_BASE = "http://127.0.0.1:8420"
    first = stripe_client()
    assert stripe_client() is first
    settings.STRIPE_SECRET_KEY = "sk_test_rotated"
    rotated = stripe_client()
    assert rotated is not first
    settings.STRIPE_API_BASE = "http://127.0.0.1:8421/"
    assert stripe_client() is not rotated
    settings.STRIPE_SECRET_KEY = "sk_live_51abc"
    with pytest.raises(ImproperlyConfigured):  # the refusal still runs on every call
        stripe_client()
