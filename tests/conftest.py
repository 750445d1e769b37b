"""Shared test set-up.

Celery runs tasks eagerly in tests (inside ``on_commit``), except in tests
marked ``redis``, which use the real broker from ``CELERY_BROKER_URL`` and a
real worker. Outside CI those are skipped when no broker is configured; CI sets
``RXSHOP_REQUIRE_SERVICES=1`` so that a missing broker fails instead.
"""
from __future__ import annotations

import os

import pytest

from shop.celery import app as celery_app


def pytest_collection_modifyitems(config, items):
    if os.environ.get("CELERY_BROKER_URL"):
        return
    if os.environ.get("RXSHOP_REQUIRE_SERVICES") == "1":
        raise pytest.UsageError("RXSHOP_REQUIRE_SERVICES=1 but CELERY_BROKER_URL is not set")
    skip = pytest.mark.skip(reason="needs CELERY_BROKER_URL (a real Redis); CI always sets it")
    for item in items:
        if "redis" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run tasks in-process unless the test needs the real broker."""
    if "redis" in request.keywords:
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _private_storage(tmp_path, settings):
    """Each test gets its own private file folder (a fresh storage instance)."""
    private = dict(settings.STORAGES["private"])
    if private["BACKEND"].endswith("FileSystemStorage"):
        private["OPTIONS"] = {**private.get("OPTIONS", {}), "location": str(tmp_path / "private")}
        settings.STORAGES = {**settings.STORAGES, "private": private}
    yield


@pytest.fixture
def demo_shop(db):
    """The demo catalogue, licences and accounts, exactly as `make demo` loads them."""
    from shop.pharmacy.demo import load_demo

    load_demo()


@pytest.fixture
def alice(demo_shop, django_user_model):
    return django_user_model.objects.get(email="alice@example.com")


@pytest.fixture
def bob(demo_shop, django_user_model):
    return django_user_model.objects.get(email="bob@example.com")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client
