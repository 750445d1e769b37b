"""The core's "sold online" answer, bound to this pharmacy's DEA registration.

``settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED`` (default False) says whether
the pharmacy's DEA registration has been modified for online dispensing of
controlled substances (RULES.md 3.3). This module is the one place that reads
it; the storefront, the upload of a prescription and the rules' pharmacy facts
ask here. It imports no model, so the partner strategy and template tags may
import it at any time.
"""

from __future__ import annotations

from django.conf import settings

from .core.online_rules import sold_online as _sold_online


def online_controlled_registered() -> bool:
    """Whether the DEA registration is modified for online dispensing of C-II to C-V."""
    return bool(getattr(settings, "RXSHOP_ONLINE_CONTROLLED_REGISTERED", False))


def sold_online(dea_schedule: int | None) -> bool:
    """``compliance.core.online_rules.sold_online`` for this pharmacy: may a
    product with this DEA schedule be offered, prescribed for and sold here?"""
    return _sold_online(dea_schedule, registered_for_online_controlled=online_controlled_registered())
