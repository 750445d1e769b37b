"""Deployment checks (``manage.py check --deploy``) about prescriptions."""

from __future__ import annotations

from django.conf import settings
from django.core import checks


def check_virus_scanning(app_configs=None, **kwargs):
    """A pharmacy that stores customers' uploads unscanned must have chosen to (RXSHOP_VIRUS_SCANNING=off)
    and is told so on every deploy check."""
    if getattr(settings, "RXSHOP_VIRUS_SCANNING", "on") == "off":
        return [
            checks.Warning(
                "Virus scanning of prescription uploads is off (RXSHOP_VIRUS_SCANNING=off): files are stored "
                "and shown to pharmacists unscanned.",
                hint="Run a ClamAV daemon and set CLAMD_SOCKET or CLAMD_HOST, then remove RXSHOP_VIRUS_SCANNING.",
                id="rxshop.W001",
            )
        ]
    return []
