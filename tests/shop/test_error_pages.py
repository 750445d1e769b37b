"""The shop's own 400, 403, 404 and 500 pages (shop/storefront/errors.py), with DEBUG off:
in the shop's look, saying what to do next, revealing nothing of the request."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import RequestFactory, override_settings

from shop.storefront.errors import server_error
from tests.shop.errors_urls import SECRET

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.shop.errors_urls")]

QUERY_MARKER = "qmarker8813"


@pytest.fixture
def quiet_client(client):
    client.raise_request_exception = False
    return client


def assert_helpful_and_silent(response, path: str):
    body = response.content.decode()
    assert "/catalogue/" in body, "no link to the catalogue"
    assert "/pharmacy/contact/" in body, "no link to the contact page"
    assert settings.RXSHOP_PHARMACY["phone"] in body, "no phone number"
    for leak in (path, QUERY_MARKER, SECRET, "Traceback", "Request Method"):
        assert leak not in body, f"the error page reveals {leak!r}"


@override_settings(DEBUG=False)
@pytest.mark.parametrize(
    "path, status",
    [
        ("/test-errors/suspicious/", 400),
        ("/test-errors/refused/", 403),
        ("/no-such-page-zq71/", 404),
        ("/test-errors/boom/", 500),
    ],
)
def test_error_pages_say_what_to_do_next_and_reveal_nothing(quiet_client, demo_shop, path, status):
    response = quiet_client.get(f"{path}?{QUERY_MARKER}=1&q={QUERY_MARKER}")
    assert response.status_code == status
    assert f'data-error-status="{status}"' in response.content.decode()
    assert_helpful_and_silent(response, path)


@override_settings(DEBUG=False)
@pytest.mark.parametrize("path", ["/no-such-page-zq71/", "/test-errors/refused/"])
def test_4xx_pages_are_in_the_shop_layout(quiet_client, demo_shop, path):
    response = quiet_client.get(path)
    assert "oscar/layout.html" in [t.name for t in response.templates]


@override_settings(DEBUG=False)
def test_a_refused_csrf_token_gets_the_shops_403_page(demo_shop):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    response = client.post("/basket/vouchers/add/", {"code": "X"})
    assert response.status_code == 403
    assert 'data-error-status="403"' in response.content.decode()
    assert "CSRF" not in response.content.decode()


def test_the_500_page_renders_with_the_database_down(django_db_blocker):
    request = RequestFactory().get(f"/anything/?{QUERY_MARKER}=1")
    with django_db_blocker.block():  # any query now raises
        response = server_error(request)
    assert response.status_code == 500
    assert_helpful_and_silent(response, "/anything/")


@override_settings(DEBUG=False)
def test_a_500_while_the_database_is_down_still_shows_the_shops_page(quiet_client, monkeypatch):
    """Every middleware that reads the session or the basket fails first: the handler
    still answers with the static page."""
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.utils import OperationalError

    def down(*args, **kwargs):
        raise OperationalError("connection refused: db.internal:5432")

    monkeypatch.setattr(BaseDatabaseWrapper, "cursor", down)
    quiet_client.cookies["sessionid"] = "x" * 32
    response = quiet_client.get("/accounts/profile/")
    assert response.status_code == 500
    assert_helpful_and_silent(response, "/accounts/profile/")
    assert "db.internal" not in response.content.decode()


def test_the_shop_declares_its_error_handlers():
    import shop.urls

    assert shop.urls.handler400 == "shop.storefront.errors.bad_request"
    assert shop.urls.handler403 == "shop.storefront.errors.permission_denied"
    assert shop.urls.handler404 == "shop.storefront.errors.page_not_found"
    assert shop.urls.handler500 == "shop.storefront.errors.server_error"


# --- Oscar's catalogue pagination --------------------------------------------------------------


@pytest.mark.urls("shop.urls")
@pytest.mark.parametrize("page", ["999", "0", "abc", "-1"])
def test_an_out_of_range_catalogue_page_goes_back_to_page_one_with_a_message(client, demo_shop, page):
    """As oscar's CatalogueView: an invalid page is a message and page 1, not a 404."""
    response = client.get(f"/catalogue/?page={page}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == "/catalogue/"
    assert "The given page number was invalid." in [str(m) for m in response.context["messages"]]


@pytest.mark.urls("shop.urls")
def test_an_out_of_range_category_page_goes_back_to_the_category(client, demo_shop):
    from oscar.core.loading import get_model

    category = get_model("catalogue", "Category").objects.filter(is_public=True).first()
    url = category.get_absolute_url()
    response = client.get(f"{url}?page=999&sort=x", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[0][0] == f"{url}?sort=x"
