"""An id from a request that is no id: a 400, never a server error.

Oscar's views pass ids from forms straight to the ORM in many places — the bulk
actions of every list (``BulkEditMixin``: notifications, the catalogue and order
dashboards) filter ``pk__in`` on whatever was ticked, and model forms check
uniqueness with the number as typed. An empty, non-numeric or out-of-range value
then fails inside the query: Django's "Field 'id' expected a number" ``ValueError``,
SQLite's ``OverflowError``, PostgreSQL's "out of range" ``DataError``. These are
the client's mistake, not ours, so they get the shop's 400 page. Anything else
stays a server error (a real bug must be seen). ``ATOMIC_REQUESTS`` has already
rolled the request's transaction back when this runs.
"""

from __future__ import annotations

import logging

from django.db import DataError
from django.urls import get_resolver

logger = logging.getLogger("django.request")

_LOOKUP_MESSAGES = ("expected a number but got", "Python int too large to convert", "out of range")


def is_bad_lookup_value(exc: BaseException) -> bool:
    if isinstance(exc, (ValueError, OverflowError, DataError)):
        return any(part in str(exc) for part in _LOOKUP_MESSAGES)
    return False


class BadLookupValueMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not is_bad_lookup_value(exception):
            return None
        logger.warning("Bad id in %s %s: %s", request.method, request.path, type(exception).__name__)
        # The site's own 400 page (``handler400`` of the root URLconf): infra knows no views.
        return get_resolver(getattr(request, "urlconf", None)).resolve_error_handler(400)(request, exception)
