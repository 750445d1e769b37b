"""Rate limits on prescription uploads and Place order (infra/ratelimit.py):
a clear 429, counted per customer, configurable, switchable off. (Login
throttling by django-axes: tests/shop/test_staff_access.py.)"""

from __future__ import annotations

import pytest
from django.test import Client

from infra import ratelimit
from prescriptions.models import PrescriptionFile
from tests.factories import add_to_basket, checkout_to_preview, place_order, product
from tests.prescriptions.conftest import form_data, unique_pdf, upload

pytestmark = pytest.mark.django_db


def test_rates_are_read_from_settings_text():
    assert ratelimit.Rate.parse("20/h") == ratelimit.Rate(20, 3600)
    assert ratelimit.Rate.parse("5/10m") == ratelimit.Rate(5, 600)
    assert ratelimit.Rate.parse("") is None
    for bad in ("20", "x/h", "0/h", "5/0m", "5/w"):
        with pytest.raises(Exception, match="rate limit"):
            ratelimit.Rate.parse(bad)


def test_counting_is_per_key_and_per_window():
    rate = ratelimit.Rate(2, 60)
    assert [ratelimit.hit("t", "a", rate, now=1000).allowed for _ in range(3)] == [True, True, False]
    assert ratelimit.hit("t", "b", rate, now=1000).allowed  # someone else
    assert ratelimit.hit("t", "a", rate, now=1021).allowed  # the next minute
    assert ratelimit.hit("t", "a", rate, now=1019).retry_after == 1


def test_uploads_over_the_limit_get_a_clear_429_before_the_body_is_read(alice_client, settings):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "2/h"
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    for _ in range(2):
        response = alice_client.post(url, {**form_data(), "files": [upload("rx.pdf", unique_pdf())]})
        assert response.status_code == 302
    stored = PrescriptionFile.objects.count()
    response = alice_client.post(url, {**form_data(), "files": [upload("rx.pdf", unique_pdf())]})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    page = response.content.decode()
    assert "more than 2 times in one hour" in page and "Nothing was lost" in page
    assert PrescriptionFile.objects.count() == stored
    assert alice_client.get(url).status_code == 200  # reading the page is not limited


def test_the_limit_is_per_customer(alice_client, bob, settings):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "1/h"
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    assert alice_client.post(url, {**form_data(), "files": [upload("a.pdf", unique_pdf())]}).status_code == 302
    assert alice_client.post(url, {**form_data(), "files": [upload("b.pdf", unique_pdf())]}).status_code == 429
    other = Client()
    other.force_login(bob)
    assert other.post(url, {**form_data(), "files": [upload("c.pdf", unique_pdf())]}).status_code == 302


def test_place_order_over_the_limit_gets_a_429_and_no_card_is_authorised(alice_client, alice, settings, localstripe):
    from payments.models import PaymentAuthorisation

    settings.RXSHOP_PLACE_ORDER_RATE_LIMIT = "3/h"
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    rate = ratelimit.Rate.parse("3/h")
    for _ in range(3):  # three Place orders already pressed this hour
        ratelimit.hit("place-order", f"user:{alice.pk}", rate)
    response = place_order(alice_client)
    assert response.status_code == 429
    assert "pressed Place order more than 3 times in one hour" in response.content.decode()
    assert not PaymentAuthorisation.objects.exists()  # Stripe was never asked


def test_a_limit_can_be_switched_off(alice_client, settings):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = ""
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    for _ in range(3):
        assert alice_client.post(url, {**form_data(), "files": [upload("x.pdf", unique_pdf())]}).status_code == 302
