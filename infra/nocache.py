"""No copy of a personal page in any cache: ``Cache-Control: private, no-store``.

Pages about a patient (prescriptions and their files, orders, the account pages,
the checkout, every staff page) must not be kept by a shared proxy or CDN, nor
in the browser's cache for the next person at a shared computer (HIPAA
Security Rule, 45 CFR 164.312(a)(1) access control; HHS guidance on web
caching of ePHI). Rather than list those pages (and miss the next one), every
answer to a signed-in user is personal, and so is every answer to anyone
outside the public catalogue: only the catalogue's pages, shown to an
anonymous visitor, stay cacheable.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control

# Shown to an anonymous visitor, these carry nothing about anyone.
PUBLIC_PREFIXES = ("/catalogue/", "/search/", "/offers/", "/pharmacy/contact/", "/pharmacy/policies/", "/static/")
PUBLIC_PATHS = ("/",)


def is_public_path(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


class PrivateNoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        if signed_in or not is_public_path(request.path):
            patch_cache_control(response, private=True, no_store=True)
        return response
