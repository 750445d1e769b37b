"""The shop's URLconf with three views that fail, for the error-page tests."""

from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.urls import path

from shop.urls import handler400, handler403, handler404, handler500  # noqa: F401  (the shop's handlers)
from shop.urls import urlpatterns as shop_urlpatterns

SECRET = "secret-exception-text-7Qx"


def boom(request):
    raise RuntimeError(SECRET)


def suspicious(request):
    raise SuspiciousOperation(SECRET)


def refused(request):
    raise PermissionDenied(SECRET)


urlpatterns = [
    path("test-errors/boom/", boom),
    path("test-errors/suspicious/", suspicious),
    path("test-errors/refused/", refused),
    *shop_urlpatterns,
]
