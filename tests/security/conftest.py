"""Fixtures for the security tests.

``world`` builds the demo shop and Alice's objects once per test module (not
once per test) inside a transaction that is rolled back when the module is
done; each test then runs in its own savepoint, as usual. The world stays until
the module ends, so a module that uses it should not also hold tests that build
their own shop (``demo_shop``, ``alice_client``): they would find Alice's world.
"""

from __future__ import annotations

import pytest
from django.db import transaction
from django.test import override_settings

from .world import build_world


@pytest.fixture(scope="module")
def _module_private_storage(tmp_path_factory):
    from django.conf import settings

    private = dict(settings.STORAGES["private"])
    if private["BACKEND"].endswith("FileSystemStorage"):
        location = tmp_path_factory.mktemp("security-private")
        private["OPTIONS"] = {**private.get("OPTIONS", {}), "location": str(location)}
    with override_settings(STORAGES={**settings.STORAGES, "private": private}):
        yield


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, _module_private_storage):
    with django_db_blocker.unblock():
        with transaction.atomic():
            built = build_world()
            yield built
            transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _private_storage(request, tmp_path, settings):
    """As tests/conftest.py's, except for tests on the module's ``world``,
    whose private files live in the module's folder."""
    if "world" in request.fixturenames:
        yield
        return
    private = dict(settings.STORAGES["private"])
    if private["BACKEND"].endswith("FileSystemStorage"):
        private["OPTIONS"] = {**private.get("OPTIONS", {}), "location": str(tmp_path / "private")}
        settings.STORAGES = {**settings.STORAGES, "private": private}
    yield
