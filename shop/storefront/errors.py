"""The shop's error pages (``handler400``…``handler500`` in shop/urls.py).

Each page says what to do next (the catalogue, the contact page, the pharmacist's
phone) and reveals nothing of the request: no path, no query, no exception text —
Django's defaults put the path in the 404 page's context, and a 404/403 raised with
a message would otherwise be one template change away from the page.

The 4xx pages extend oscar's layout. The 500 page does not: it is rendered from a
static template with a minimal context and no request, so no context processor
(basket, categories, licences) touches the database — it must show when the
database is the thing that failed.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponseServerError
from django.template import loader
from django.template.response import TemplateResponse
from django.urls import reverse
from django.views.decorators.csrf import requires_csrf_token


def _page(request, status: int) -> TemplateResponse:
    response = TemplateResponse(request, f"pharmacy/errors/{status}.html", {"status": status}, status=status)
    return response.render()


@requires_csrf_token
def bad_request(request, exception=None):
    return _page(request, 400)


@requires_csrf_token
def permission_denied(request, exception=None):
    return _page(request, 403)


@requires_csrf_token
def page_not_found(request, exception=None):
    return _page(request, 404)


def csrf_failure(request, reason=""):
    """A refused form (an expired session, a missing cookie): the shop's 403 page, not Django's."""
    return _page(request, 403)


def server_error(request=None):
    template = loader.get_template("pharmacy/errors/500.html")
    body = template.render(
        {
            "pharmacy": settings.RXSHOP_PHARMACY,
            "catalogue_url": reverse("catalogue:index"),
            "contact_url": reverse("pharmacy:contact"),
        }
    )
    return HttpResponseServerError(body)
