"""Staff accounts and their authenticators, managed by an administrator from the dashboard
(``shop/apps/dashboard/staff.py``): add a member of staff in a role, enrol their authenticator
app (an ``otpauth://`` address and its QR code, confirmed with a code the app shows), revoke one.
Every step is written to the audit trail (``infra.models.AuthenticatorEvent``).

An administrator is an active superuser (``setup_pharmacy`` makes the first one). A shop
administrator who is not a superuser cannot give anyone a pharmacist's role or second factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import segno
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django_otp.plugins.otp_totp.models import TOTPDevice

from infra.models import AuthenticatorEvent
from infra.staff import STAFF_GROUPS
from prescriptions.roles import sync_roles
from shop.exceptions import AuthenticatorRefused

DASHBOARD_DEVICE_NAME = "Authenticator (enrolled from the dashboard)"
Action = AuthenticatorEvent.Action


def is_administrator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.is_superuser)


def record_event(*, staff, action: str, actor=None, device_name: str = "", ip_address=None) -> AuthenticatorEvent:
    return AuthenticatorEvent.objects.create(
        staff=staff, action=action, actor=actor, device_name=device_name[:64], ip_address=ip_address
    )


# --- Reading ---------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    user: object
    roles: tuple[str, ...]
    confirmed: tuple[TOTPDevice, ...]
    pending: tuple[TOTPDevice, ...]

    @property
    def enrolled(self) -> bool:
        return bool(self.confirmed)


def staff_members() -> list[StaffMember]:
    """Everyone who must pass a second factor (``infra.staff.is_staff_member``), with their roles
    and authenticators; the unenrolled first, then by e-mail."""
    User = get_user_model()
    users = (
        User._default_manager.filter(
            Q(is_staff=True) | Q(is_superuser=True) | Q(groups__name__in=STAFF_GROUPS), is_active=True
        )
        .distinct()
        .order_by("email")
        .prefetch_related(
            Prefetch("groups", queryset=Group.objects.filter(name__in=STAFF_GROUPS).order_by("name")),
            Prefetch("totpdevice_set", queryset=TOTPDevice.objects.order_by("id")),
        )
    )
    members = [
        StaffMember(
            user=user,
            roles=tuple(group.name for group in user.groups.all()) + (("Superuser",) if user.is_superuser else ()),
            confirmed=tuple(device for device in user.totpdevice_set.all() if device.confirmed),
            pending=tuple(device for device in user.totpdevice_set.all() if not device.confirmed),
        )
        for user in users
    ]
    return sorted(members, key=lambda member: (member.enrolled, member.user.email))


def staff_member(pk: int):
    """The active member of staff with this id, or None (customers have no authenticator)."""
    return next((member.user for member in staff_members() if member.user.pk == pk), None)


def recent_events(limit: int = 50):
    return AuthenticatorEvent.objects.select_related("actor", "staff")[:limit]


def qr_svg(uri: str) -> str:
    """The QR code of ``uri`` as inline SVG markup (drawn here: no image service sees the key)."""
    return segno.make(uri, error="m").svg_inline(scale=5, border=2, title="QR code of the authenticator address")


# --- Writing ---------------------------------------------------------------------


@transaction.atomic
def create_staff_member(
    *, actor, email: str, first_name: str, last_name: str, role: str, password: str, ip_address=None
):
    """A member of staff in one of the pharmacy's roles, with a first password the administrator
    hands over. They cannot see anything until their authenticator is enrolled (``enrol``)."""
    if role not in STAFF_GROUPS:
        raise ValidationError(f"{role!r} is not one of the pharmacy's roles.")
    User = get_user_model()
    email = User._default_manager.normalize_email(email.strip())
    if User._default_manager.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
        raise ValidationError({"email": f"{email} already has an account."})
    user = User(username=email, email=email, first_name=first_name.strip(), last_name=last_name.strip())
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(sync_roles()[role])
    record_event(staff=user, action=Action.ACCOUNT_CREATED, actor=actor, device_name=role, ip_address=ip_address)
    return user


@transaction.atomic
def start_enrolment(*, staff, actor, ip_address=None) -> TOTPDevice:
    """A new authenticator for ``staff``, unconfirmed (it lets nobody in yet). Opened again before it
    is confirmed, the same key: a QR code already scanned stays good."""
    device = TOTPDevice.objects.filter(user=staff, name=DASHBOARD_DEVICE_NAME, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=staff, name=DASHBOARD_DEVICE_NAME, confirmed=False)
        record_event(
            staff=staff, action=Action.ENROLMENT_STARTED, actor=actor, device_name=device.name, ip_address=ip_address
        )
    return device


@transaction.atomic
def confirm_enrolment(*, device: TOTPDevice, code: str, actor, ip_address=None) -> bool:
    """Confirm with a code the staff member's app shows now; a wrong code is recorded and refused."""
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if device.confirmed:
        return True
    if not code.strip().isdigit() or not device.verify_token(code.strip()):
        record_event(
            staff=device.user,
            action=Action.CONFIRMATION_FAILED,
            actor=actor,
            device_name=device.name,
            ip_address=ip_address,
        )
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    record_event(
        staff=device.user, action=Action.CONFIRMED, actor=actor, device_name=device.name, ip_address=ip_address
    )
    return True


@transaction.atomic
def revoke(*, device: TOTPDevice, actor, ip_address=None) -> None:
    """Take an authenticator away (a lost phone, someone leaving): it signs nobody in from now on.
    An administrator cannot revoke their own last confirmed one (they would lock themselves out)."""
    device = TOTPDevice.objects.select_for_update().select_related("user").get(pk=device.pk)
    if (
        device.user_id == actor.pk
        and device.confirmed
        and not TOTPDevice.objects.filter(user=actor, confirmed=True).exclude(pk=device.pk).exists()
    ):
        raise AuthenticatorRefused(
            "That is your only authenticator: enrol another one first, or ask another administrator."
        )
    name, staff = device.name, device.user
    device.delete()
    record_event(staff=staff, action=Action.REVOKED, actor=actor, device_name=name, ip_address=ip_address)
