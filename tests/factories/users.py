"""Accounts by role, on top of oscar's ``UserFactory``.

    CustomerFactory()                          a customer: no role, no second factor
    PharmacistFactory(second_factor=True)      in the "Pharmacist" group, with a confirmed authenticator
    TechnicianFactory()                        in the "Pharmacy technician" group
    ShopAdministratorFactory()                 "Shop administrator", staff and superuser (as the demo's Ada)

The groups are the real ones, with the permissions ``prescriptions.roles.sync_roles``
gives them in production. Staff must pass a TOTP second factor before any page is
shown to them (``infra/staff.py``): ``second_factor=True`` gives the account a
confirmed TOTP device, and ``staff_client`` returns a client whose session has
passed it.
"""

from __future__ import annotations

import factory
from django.contrib.auth.models import Group
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.test.factories import UserFactory

from prescriptions.roles import sync_roles

PHARMACIST, TECHNICIAN, SHOP_ADMINISTRATOR = "Pharmacist", "Pharmacy technician", "Shop administrator"

# A test-only TOTP secret (hex): never one of the demo accounts' keys.
STAFF_TOTP_KEY = "3132333435363738393031323334353637383941"
TEST_PASSWORD = "a-long-test-password-2026"


def role_group(name: str) -> Group:
    """The role's group as production has it: made (with its permissions) by ``sync_roles``."""
    group = Group.objects.filter(name=name).first()
    return group if group is not None else sync_roles()[name]


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator app (django-otp), as a member of staff sets one up."""

    class Meta:
        model = TOTPDevice

    user = factory.SubFactory("tests.factories.users.PharmacistFactory")
    name = "Test authenticator"
    key = STAFF_TOTP_KEY
    confirmed = True


def current_code(device: TOTPDevice) -> str:
    """The 6 digits the authenticator app shows now."""
    return f"{totp(bytes.fromhex(device.key), t0=device.t0, step=device.step, digits=device.digits):0{device.digits}d}"


class CustomerFactory(UserFactory):
    """A customer account. The username is the e-mail address, as the storefront's sign-up makes it."""

    class Meta:
        skip_postgeneration_save = True  # the password is hashed before the save; the hooks add rows

    email = factory.Sequence(lambda n: f"customer{n}@example.com")
    username = factory.SelfAttribute("email")
    first_name = "Carol"
    last_name = "Nguyen"
    password = factory.django.Password(TEST_PASSWORD)


def _member_of(role: str) -> factory.PostGeneration:
    def join(user, create, extracted, **kwargs):
        if create:
            user.groups.add(role_group(role))

    return factory.PostGeneration(join)


class _StaffFactory(CustomerFactory):
    class Params:
        # Passed the second factor before: a confirmed TOTP device (staff_client then uses it).
        second_factor = factory.Trait(
            authenticator=factory.RelatedFactory(TOTPDeviceFactory, factory_related_name="user"),
        )


class PharmacistFactory(_StaffFactory):
    email = factory.Sequence(lambda n: f"pharmacist{n}@pharmacy.example.com")
    first_name = "Omar"
    last_name = "Haddad"
    role = _member_of(PHARMACIST)


class TechnicianFactory(_StaffFactory):
    email = factory.Sequence(lambda n: f"technician{n}@pharmacy.example.com")
    first_name = "Tom"
    last_name = "Becker"
    role = _member_of(TECHNICIAN)


class ShopAdministratorFactory(_StaffFactory):
    email = factory.Sequence(lambda n: f"admin{n}@pharmacy.example.com")
    first_name = "Ada"
    last_name = "Lindqvist"
    is_staff = True
    is_superuser = True
    role = _member_of(SHOP_ADMINISTRATOR)


def staff_client(user, *, second_factor: bool = True, client: Client | None = None) -> Client:
    """A client logged in as ``user`` that has (or has not) passed the second factor:
    the session holds the device id, as ``django_otp.login`` leaves it. A user with no
    confirmed device gets one (``TOTPDeviceFactory``)."""
    client = client or Client()
    client.force_login(user)
    if second_factor:
        device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def log_in_staff(client: Client, user) -> Client:
    """Log a member of staff in and pass the second factor through the verify page
    (``infra/staff.py``), as they do in the browser."""
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or TOTPDeviceFactory(user=user)
    client.force_login(user)
    response = client.post(
        "/pharmacy/staff/verify/",
        {
            "otp_device": device.persistent_id,
            "otp_token": current_code(device),
            "next": "/accounts/profile/",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/", "second factor failed"
    return client
