"""The pharmacy's roles as Django groups, with least-privilege permissions.

- Pharmacy technician: opens the review queue and transcribes prescriptions.
- Pharmacist: everything a technician does, plus verify, reject, ask for
  information and dispense.
- Shop administrator: the catalogue, orders and the pharmacy's licences; does
  not make clinical decisions.

``sync_roles()`` is idempotent and runs from the demo loader and from a data
migration-free management command (``manage.py sync_roles``) in production.
"""
from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

# "app_label.codename" per role. A codename that does not exist is an error,
# so a renamed permission cannot silently drop out of a role.
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "Pharmacy technician": (),
    "Pharmacist": (),
    "Shop administrator": (
        "compliance.view_pharmacylicence", "compliance.add_pharmacylicence",
        "compliance.change_pharmacylicence",
        "compliance.view_programmecertification", "compliance.add_programmecertification",
        "compliance.change_programmecertification",
    ),
}


def _permissions(names: tuple[str, ...]) -> list[Permission]:
    found = []
    for name in names:
        app_label, codename = name.split(".", 1)
        found.append(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    return found


@transaction.atomic
def sync_roles() -> dict[str, Group]:
    groups = {}
    for name, permission_names in ROLE_PERMISSIONS.items():
        group, _ = Group.objects.get_or_create(name=name)
        group.permissions.set(_permissions(permission_names))
        groups[name] = group
    return groups
