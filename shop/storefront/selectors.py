"""Reads that serve the pharmacy's public pages."""
from __future__ import annotations

import datetime

from django.utils import timezone


LICENCES_CACHE_SECONDS = 600


def _licences_cache_key(today: datetime.date) -> str:
    return f"rxshop:footer-licences:{today.isoformat()}"


def active_licences():
    """The state licences in force today, for the footer (every page).

    Called lazily from templates (the context processor passes the function), so
    pages that don't show licences pay nothing. Cached for ten minutes and dropped
    whenever a licence is saved or deleted (``forget_active_licences``): licences
    change a few times a year. Display only: the ship-to rule (compliance) always
    reads the database.
    """
    from django.core.cache import cache

    from compliance.models import PharmacyLicence

    today: datetime.date = timezone.localdate()
    key = _licences_cache_key(today)
    licences = cache.get(key)
    if licences is None:
        licences = list(PharmacyLicence.objects.filter(expires_on__gte=today).order_by("state"))
        cache.set(key, licences, LICENCES_CACHE_SECONDS)
    return licences


def forget_active_licences(**_kwargs) -> None:
    from django.core.cache import cache

    cache.delete(_licences_cache_key(timezone.localdate()))
