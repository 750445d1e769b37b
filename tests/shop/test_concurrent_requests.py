"""Races oscar loses when two web workers serve the same thing at once (found by
bench/load.py): neither may turn into a customer's server error."""

from __future__ import annotations

import os

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from oscar.apps.catalogue.abstract_models import MissingProductImage
from oscar.core.loading import get_model

from shop.apps.catalogue.models import RaceSafeMissingProductImage
from tests.factories import add_to_basket, product

ProductRecord = get_model("analytics", "ProductRecord")


@pytest.fixture
def counter_race(monkeypatch):
    """The first UPDATE of a ProductRecord finds no row, as if another request INSERTed it
    just after: oscar then INSERTs too, and collides."""
    real_update = QuerySet.update
    raced = []

    def update(self, **kwargs):
        if self.model is ProductRecord and not raced:
            raced.append(True)
            return 0
        return real_update(self, **kwargs)

    monkeypatch.setattr(QuerySet, "update", update)
    return raced


@pytest.mark.django_db
def test_a_product_page_viewed_by_two_at_once_is_shown_and_counted(client, demo_shop, counter_race):
    rx = product("RX-ISO-20")
    ProductRecord.objects.create(product=rx, num_views=5)
    response = client.get(rx.get_absolute_url())  # ATOMIC_REQUESTS: one transaction
    assert response.status_code == 200
    assert counter_race == [True]
    assert ProductRecord.objects.get(product=rx).num_views == 6


@pytest.mark.django_db
def test_a_basket_addition_colliding_on_its_counter_still_adds(alice_client, alice, counter_race):
    otc = product("OTC-LIPBALM")
    ProductRecord.objects.create(product=otc, num_basket_additions=1)
    add_to_basket(alice_client, "OTC-LIPBALM")
    assert get_model("basket", "Line").objects.filter(basket__owner=alice, product=otc).exists()
    assert ProductRecord.objects.get(product=otc).num_basket_additions == 2


def test_the_missing_image_link_made_by_another_worker_meanwhile_is_no_error(settings, tmp_path, monkeypatch):
    settings.MEDIA_ROOT = str(tmp_path)
    real_symlink = os.symlink

    def another_worker_was_first(source, target):
        real_symlink(source, target)
        real_symlink(source, target)  # ours: FileExistsError

    monkeypatch.setattr(os, "symlink", another_worker_was_first)
    with pytest.raises(ImproperlyConfigured):
        MissingProductImage()  # oscar's: a server error
    os.unlink(tmp_path / settings.OSCAR_MISSING_IMAGE_URL)
    image = RaceSafeMissingProductImage()
    assert (tmp_path / image.name).exists()


@pytest.mark.django_db
def test_products_use_the_race_safe_missing_image(demo_shop):
    assert isinstance(product("OTC-LIPBALM").get_missing_image(), RaceSafeMissingProductImage)
