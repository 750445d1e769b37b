"""One "sold online" answer (compliance.core.online_rules.sold_online) on every
page and service that offers a controlled product: the catalogue's
availability, the product page, the upload page and the upload service."""

from __future__ import annotations

import pytest
from oscar.core.loading import get_class

from prescriptions.services import PrescriptionError
from tests.factories import product

from .conftest import submit

pytestmark = pytest.mark.django_db

Selector = get_class("partner.strategy", "Selector")


def _schedule(upc: str, schedule: int | None):
    item = product(upc)
    item.attr.dea_schedule = schedule
    item.save()
    return product(upc)  # a fresh instance: drug facts are cached per instance


@pytest.fixture
def registered(settings):
    settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED = True


def _availability(item):
    return Selector().strategy().fetch_for_product(item).availability


def test_a_schedule_iv_product_is_sold_once_the_pharmacy_is_registered(demo_shop, registered):
    tramadol = product("RX-TRAM-50")
    assert _availability(tramadol).code == "rx-required"


def test_a_schedule_iv_product_is_not_sold_before_the_pharmacy_is_registered(demo_shop, settings):
    settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED = False
    availability = _availability(product("RX-TRAM-50"))
    assert availability.code == "not-sold-online" and not availability.is_available_to_buy


def test_a_schedule_i_product_is_never_sold_even_when_registered(demo_shop, registered):
    availability = _availability(_schedule("RX-TRAM-50", 1))
    assert availability.code == "not-sold-online" and not availability.is_available_to_buy


def test_the_product_page_of_a_schedule_i_product_offers_no_upload_even_when_registered(client, demo_shop, registered):
    html = client.get(_schedule("RX-TRAM-50", 1).get_absolute_url()).content.decode()
    assert "cannot be ordered here" in html
    assert "/prescriptions/upload/" not in html


def test_a_prescription_for_a_schedule_i_product_cannot_be_uploaded_even_when_registered(
    alice_client,
    alice,
    registered,
):
    item = _schedule("RX-TRAM-50", 1)
    assert alice_client.get(f"/prescriptions/upload/product/{item.pk}/").status_code == 302
    with pytest.raises(PrescriptionError, match="controlled substance"):
        submit(alice, "RX-TRAM-50")


def test_a_prescription_for_a_schedule_iv_product_can_be_uploaded_once_registered(alice_client, alice, registered):
    item = product("RX-TRAM-50")
    assert alice_client.get(f"/prescriptions/upload/product/{item.pk}/").status_code == 200
    assert submit(alice, "RX-TRAM-50").product == item
