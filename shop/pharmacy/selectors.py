"""Reads that serve the pharmacy's public pages."""
from __future__ import annotations

import datetime

from django.utils import timezone


def active_licences():
    """The state licences in force today, for the footer and the shipping notice.

    Called lazily from templates (the context processor passes the function), so
    pages that don't show licences pay nothing.
    """
    from compliance.models import PharmacyLicence

    today: datetime.date = timezone.localdate()
    return list(
        PharmacyLicence.objects.filter(expires_on__gte=today).order_by("state")
    )
