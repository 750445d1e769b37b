"""The client's address, the one way the whole project reads it.

Behind ``RXSHOP_TRUSTED_PROXY_COUNT`` reverse proxies (load balancer, nginx) the
TCP peer (``REMOTE_ADDR``) is the nearest proxy, and each proxy appends the
address it saw to X-Forwarded-For. Only the last ``n`` entries were written by
proxies we run; anything to their left came from the client and may be forged.
So the client is the ``n``-th entry from the right, never the leftmost. With no
trusted proxy the header is ignored: anyone can send it.

Used by sign-in throttling (``AXES_CLIENT_IP_CALLABLE``), the rate limits
(``infra.ratelimit``) and the audit logs of staff access to patient data.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings


def trusted_proxy_count() -> int:
    return max(0, int(getattr(settings, "RXSHOP_TRUSTED_PROXY_COUNT", 0) or 0))


def client_ip(request) -> str | None:
    """The client's IP address as the outermost trusted proxy saw it; None if not an address."""
    proxies = trusted_proxy_count()
    candidate = request.META.get("REMOTE_ADDR", "")
    if proxies:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if hops:
            # Fewer hops than proxies: the request skipped an outer proxy; the leftmost
            # entry was still written by one of ours (the client's own entries are to its left).
            candidate = hops[-proxies] if len(hops) >= proxies else hops[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None
