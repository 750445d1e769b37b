"""The exception convention: a sentence for people, a stable code, never a server error."""

from __future__ import annotations

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import path

from infra.errors import RxshopError, RxshopErrorMiddleware


class _NotNow(RxshopError):
    code = "not_now"
    http_status = 409


def test_an_error_carries_its_sentence_and_its_class_code():
    exc = _NotNow("The pharmacist has not verified this prescription yet.")
    assert str(exc) == exc.message == "The pharmacist has not verified this prescription yet."
    assert exc.code == "not_now"
    assert RxshopError("x", code="specific").code == "specific"


def _refusing_view(request):
    raise _NotNow("This order has already shipped.")


def _failing_view(request):
    raise RuntimeError("a broken invariant")


def _urlpatterns():
    from shop.urls import urlpatterns as shop_urls  # the page's layout links to the shop's pages

    return [path("refuse/", _refusing_view), path("fail/", _failing_view), *shop_urls]


urlpatterns = _urlpatterns()


@pytest.mark.django_db
@pytest.mark.urls("tests.infra.test_errors")
def test_an_uncaught_refusal_is_a_4xx_page_with_its_sentence(client):
    response = client.get("/refuse/")
    assert response.status_code == 409
    assert "This order has already shipped." in response.content.decode()
    assert 'data-error-code="not_now"' in response.content.decode()


def test_a_broken_invariant_is_not_turned_into_a_refusal():
    middleware = RxshopErrorMiddleware(lambda request: HttpResponse())
    request = RequestFactory().get("/")
    assert middleware.process_exception(request, RuntimeError("bug")) is None
