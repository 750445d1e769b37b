"""No redirect taken from a request leaves the site.

A ``next``/``redirect_to`` parameter or the ``Referer`` header is chosen by whoever
wrote the link: if a view redirects to it unchecked, a link on our own domain sends a
customer to a look-alike sign-in page (an open redirect, OWASP ASVS 5.1.5). Views check
their own targets with ``safe_redirect_target``; ``SafeRedirectMiddleware`` is the net
under every view we do not own (oscar's, Django's, the admin's): a redirect to another
site, or to a scheme other than http(s), whose host or value came from the request is
sent to the home page instead. Redirects the shop makes on its own (Stripe's 3-D Secure
page) carry no host from the request and pass untouched.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from django.core.exceptions import DisallowedHost
from django.utils.http import url_has_allowed_host_and_scheme

#: Where a refused redirect goes instead.
FALLBACK = "/"


def is_safe_redirect(request, url: str) -> bool:
    """On this site, by a relative URL or our own host; https only when the request was."""
    return url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}, require_https=request.is_secure())


def safe_redirect_target(request, candidate: str | None, default: str) -> str:
    """``candidate`` (taken from the request) if it stays on the site, else ``default``."""
    candidate = (candidate or "").strip()
    return candidate if candidate and is_safe_redirect(request, candidate) else default


def _where(url: str) -> tuple[str, str]:
    """(scheme, host) as a browser reads the URL: backslashes are slashes, escapes and
    control characters (which browsers drop) do not hide the host."""
    url = unquote(url).replace("\\", "/")
    url = "".join(ch for ch in url if ch >= " " and ch != "\x7f").strip()
    parts = urlsplit(url)
    return parts.scheme.lower(), parts.netloc.lower()


def _request_values(request) -> list[str]:
    values = [value for _key, many in request.GET.lists() for value in many]
    if request.method == "POST":
        try:
            values += [value for _key, many in request.POST.lists() for value in many]
        except Exception:  # noqa: BLE001 - a body the view read raw or could not parse: nothing more to compare
            pass
    values.append(request.META.get("HTTP_REFERER", ""))
    return [v for v in values if isinstance(v, str) and v.strip()]


def taken_from_request(request, location: str) -> bool:
    scheme, host = _where(location)
    for value in _request_values(request):
        value_scheme, value_host = _where(value)
        if host and value_host == host:
            return True
        if scheme and value_scheme == scheme and not host:  # javascript:, data:, ...
            return True
    return False


class SafeRedirectMiddleware:
    """The net under every view: a redirect to a target taken from the request that
    would leave the site goes to the home page instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        location = response.get("Location") if 300 <= response.status_code < 400 else None
        if not location:
            return response
        try:
            safe = is_safe_redirect(request, location)
        except DisallowedHost:
            safe = False
        if not safe and taken_from_request(request, location):
            response["Location"] = FALLBACK
        return response
