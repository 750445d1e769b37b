"""The dashboard navigation (shop/apps/dashboard/menu.py): worked out once per
set of permissions, and never stale for a user whose permissions change."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from oscar.apps.dashboard import menu as oscar_menu

from shop.apps.dashboard import menu

from .conftest import staff_client

QUEUE = "/dashboard/pharmacy/"


@pytest.fixture
def computed(monkeypatch):
    """How many times oscar worked out a menu, from an empty memo."""
    menu._visible.clear()
    calls = []
    real = oscar_menu.get_nodes
    monkeypatch.setattr(oscar_menu, "get_nodes", lambda user: calls.append(user.pk) or real(user))
    yield calls
    menu._visible.clear()


def shows_dispense(client) -> bool:
    response = client.get(QUEUE)
    assert response.status_code == 200
    return f'href="{reverse("dashboard:dispense-queue")}"' in response.content.decode()


def test_pharmacists_with_the_same_permissions_share_one_menu(computed, pharmacist, second_pharmacist, technician):
    assert shows_dispense(staff_client(pharmacist))
    assert shows_dispense(staff_client(pharmacist))
    assert shows_dispense(staff_client(second_pharmacist))
    assert computed == [pharmacist.pk]
    # A technician holds other permissions: a menu of their own, without dispensing.
    assert not shows_dispense(staff_client(technician))
    assert computed == [pharmacist.pk, technician.pk]


def test_a_permission_given_shows_in_the_menu_on_the_next_request(computed, technician):
    client = staff_client(technician)
    assert not shows_dispense(client)
    technician.groups.add(Group.objects.get(name="Pharmacist"))
    assert shows_dispense(client)
    technician.groups.remove(Group.objects.get(name="Pharmacist"))
    assert not shows_dispense(client)


def test_a_changed_navigation_setting_is_not_served_from_the_memo(computed, pharmacist, settings):
    assert shows_dispense(staff_client(pharmacist))
    settings.OSCAR_DASHBOARD_NAVIGATION = [
        {**section, "children": [c for c in section.get("children", []) if c.get("label") != "Dispense"]}
        for section in settings.OSCAR_DASHBOARD_NAVIGATION
    ]
    assert not shows_dispense(staff_client(pharmacist))
