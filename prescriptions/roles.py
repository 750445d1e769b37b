"""The pharmacy's roles as Django groups, with least-privilege permissions.

- Pharmacy technician: opens the review queue and transcribes prescriptions;
  packs and ships what a pharmacist has dispensed (the ship screen).
- Pharmacist: everything a technician does, plus verify, reject, ask for
  information, the inspector's history (and, with the dispense screen, dispense).
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
#
# Least privilege: a technician opens the workspace, transcribes and opens the
# prescription files, and nothing else: never a decision (review.decide_prescription)
# nor the status door's pharmacy role (prescriptions.review_prescription). The
# shop administrator gets no patient data. Customers have none of these.
_WORKSPACE = (
    "review.access_workspace",  # queue, review screen, claim and release
    "review.transcribe_prescription",  # step 1
    "prescriptions.view_prescriptionfile",  # the protected file view (every open is logged)
    # The ship screen: parcels of dispensed orders and OTC orders (captures an OTC card). Packing and
    # shipping is technicians' work in a mail-order pharmacy; no clinical decision is made there.
    "prescriptions.ship_order",
    # Fill: scan the packs at the bench (the pharmacist's final check then releases them).
    "dispensing.fill_order",
)
ROLE_PERMISSIONS: dict[str, tuple[str, ...]] = {
    "Pharmacy technician": _WORKSPACE,
    "Pharmacist": (
        *_WORKSPACE,
        "review.decide_prescription",  # step 2: verify, reject, ask the customer
        "prescriptions.review_prescription",  # moves a prescription through transition_prescription
        "review.view_audit_trail",  # the inspector view and its CSV export
        "dispensing.dispense_order",  # dispense, capture the card, reverse RMAs
    ),
    "Shop administrator": (
        "compliance.view_pharmacylicence",
        "compliance.add_pharmacylicence",
        "compliance.change_pharmacylicence",
        "compliance.view_programmecertification",
        "compliance.add_programmecertification",
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
