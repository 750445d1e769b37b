"""A small cache-based rate limiter for the POSTs worth abusing: prescription
uploads (storage, virus scans, the pharmacists' queue) and Place order (card
authorisations: card testing).

Limits are settings such as ``"20/h"`` (20 per hour; ``s``, ``m``, ``h``, ``d``),
``""`` to switch one off. Requests are counted per signed-in account (else per
client address) in fixed windows in the default cache; with several web
machines the cache must be shared (``CACHE_URL=redis://…``), or each machine
counts on its own. Over the limit the answer is 429 with a page that says how
long to wait, and a ``Retry-After`` header.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.shortcuts import render
from django.utils.translation import gettext, pgettext

from .clientip import client_ip

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


@dataclass(frozen=True)
class Rate:
    count: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate | None:
        """``"20/h"`` → 20 per 3600 s; ``""`` → no limit."""
        text = (text or "").strip()
        if not text:
            return None
        try:
            count, period = text.split("/")
            count = int(count)
            number, unit = (period[:-1] or "1"), period[-1]
            seconds = int(number) * _UNITS[unit]
        except (ValueError, KeyError):
            raise ImproperlyConfigured(f"A rate limit is written like '20/h' or '5/10m', not {text!r}.") from None
        if count < 1 or seconds < 1:
            raise ImproperlyConfigured(f"A rate limit must allow at least 1 request per period, not {text!r}.")
        return cls(count=count, seconds=seconds)

    @property
    def period_text(self) -> str:
        """The period as the refusal page says it ("… more than 5 times in one hour"), in the
        reader's language (Spanish needs the article with the noun: "en una hora")."""
        for unit, one, many in (
            ("d", pgettext("in one …", "day"), pgettext("in one …", "%(n)s days")),
            ("h", pgettext("in one …", "hour"), pgettext("in one …", "%(n)s hours")),
            ("m", pgettext("in one …", "minute"), pgettext("in one …", "%(n)s minutes")),
        ):
            if self.seconds % _UNITS[unit] == 0:
                n = self.seconds // _UNITS[unit]
                return one if n == 1 else many % {"n": n}
        return pgettext("in one …", "%(n)s seconds") % {"n": self.seconds}


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int  # seconds until the window ends


def who(request) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    return f"ip:{client_ip(request) or ''}"


def hit(bucket: str, key: str, rate: Rate, *, now: float | None = None) -> Verdict:
    """Count one request of ``key`` in ``bucket``; is it within ``rate``?"""
    now = time.time() if now is None else now
    window = int(now // rate.seconds)
    cache_key = f"rxshop:ratelimit:{bucket}:{key}:{window}"
    cache.add(cache_key, 0, timeout=rate.seconds + 5)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # evicted between add and incr: count this one as the first
        cache.set(cache_key, 1, timeout=rate.seconds + 5)
        count = 1
    retry_after = max(1, math.ceil((window + 1) * rate.seconds - now))
    return Verdict(allowed=count <= rate.count, retry_after=retry_after)


def too_many_requests(request, *, rate: Rate, retry_after: int, what: str):
    minutes = max(1, math.ceil(retry_after / 60))
    response = render(
        request,
        "pharmacy/rate_limited.html",
        {
            "what": what,
            "rate": rate,
            "minutes": minutes,
            "page_title": gettext("Please wait a little"),
            "pharmacy": settings.RXSHOP_PHARMACY,
        },
        status=429,
    )
    response["Retry-After"] = str(retry_after)
    return response


def limit_request(request, *, bucket: str, setting: str, what: str):
    """None if the request may go on, else the 429 response."""
    rate = Rate.parse(getattr(settings, setting, ""))
    if rate is None:
        return None
    verdict = hit(bucket, who(request), rate)
    if verdict.allowed:
        return None
    return too_many_requests(request, rate=rate, retry_after=verdict.retry_after, what=what)


def rate_limited(bucket: str, *, setting: str, what: str, methods: tuple[str, ...] = ("POST",)):
    """Decorate a view: its ``methods`` requests are limited by ``settings.<setting>``.

    Put it outermost, so that a refused request is answered before its body is read.
    """

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods:
                refused = limit_request(request, bucket=bucket, setting=setting, what=what)
                if refused is not None:
                    return refused
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
