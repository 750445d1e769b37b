"""Staff authenticators from the dashboard (/dashboard/staff/): an administrator who has
passed the second factor adds a member of staff, enrols their app (otpauth address and an
inline SVG QR code drawn by us, confirmed with a code), revokes one, sees who is enrolled;
each step is on the audit trail. Nobody else may."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from infra.appendonly import AppendOnlyError
from infra.models import AuthenticatorEvent
from tests.factories import (
    CustomerFactory,
    PharmacistFactory,
    ShopAdministratorFactory,
    TechnicianFactory,
    staff_client,
)
from tests.factories.users import current_code

pytestmark = pytest.mark.django_db
Action = AuthenticatorEvent.Action
STAFF_URL = "/dashboard/staff/"


@pytest.fixture
def admin():
    return ShopAdministratorFactory(second_factor=True)


@pytest.fixture
def admin_client(admin):
    return staff_client(admin)


def _enrol_url(user) -> str:
    return f"/dashboard/staff/{user.pk}/enrol/"


def _code_for_uri(uri: str, *, steps_ahead: int = 0) -> str:
    """What an authenticator app that scanned ``uri`` shows (base32 secret, 30 s steps)."""
    import base64

    secret = parse_qs(urlsplit(uri).query)["secret"][0]
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{totp(key, drift=steps_ahead):06d}"


def test_the_list_shows_who_is_enrolled_and_who_is_not(admin_client, admin):
    enrolled = PharmacistFactory(second_factor=True)
    waiting = TechnicianFactory()
    CustomerFactory(email="shopper@example.com")
    response = admin_client.get(STAFF_URL)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"
    body = response.content.decode()
    assert enrolled.email in body and waiting.email in body
    assert "shopper@example.com" not in body  # customers have no second factor to manage
    assert body.index(waiting.email) < body.index(enrolled.email)  # the unenrolled first
    row = body[body.index(waiting.email) :]
    assert "Not enrolled" in row[: row.index("</tr>")]


def test_an_administrator_adds_a_pharmacist_and_enrols_their_authenticator(admin_client, admin, client):
    response = admin_client.post(
        "/dashboard/staff/add/",
        {
            "email": "omar@pharmacy.example",
            "first_name": "Omar",
            "last_name": "Haddad",
            "role": "Pharmacist",
            "password": "correct-horse-battery-2026",
        },
    )
    pharmacist = get_user_model().objects.get(email="omar@pharmacy.example")
    assert response.status_code == 302 and response["Location"] == _enrol_url(pharmacist)
    assert pharmacist.has_perm("review.decide_prescription") and not pharmacist.is_superuser

    page = admin_client.get(_enrol_url(pharmacist))
    assert page.status_code == 200
    body = page.content.decode()
    uri = re.search(r'id="otpauth-uri">([^<]+)<', body).group(1).replace("&amp;", "&")
    assert uri.startswith("otpauth://totp/")
    assert "<svg" in body and "cdn" not in body.lower()  # the QR code is drawn here, inline
    device = TOTPDevice.objects.get(user=pharmacist)
    assert not device.confirmed
    # Opening the page again shows the same key: a code already scanned stays good.
    assert admin_client.get(_enrol_url(pharmacist)).content.decode().count(uri.replace("&", "&amp;")) == 1
    assert TOTPDevice.objects.filter(user=pharmacist).count() == 1

    wrong = admin_client.post(_enrol_url(pharmacist), {"code": _code_for_uri(uri, steps_ahead=20)})
    assert wrong.status_code == 400 and b"does not match" in wrong.content
    device.refresh_from_db()
    assert not device.confirmed

    # django-otp makes a device wait a second after a wrong code; then the right one is taken.
    with time_machine.travel(timezone.now() + timedelta(seconds=5)):
        done = admin_client.post(_enrol_url(pharmacist), {"code": _code_for_uri(uri)})
    assert done.status_code == 302 and done["Location"] == STAFF_URL
    device.refresh_from_db()
    assert device.confirmed

    # The pharmacist signs in with their password and the app's next code (a code is good once).
    assert pharmacist.check_password("correct-horse-battery-2026")
    client.force_login(pharmacist)
    with time_machine.travel(timezone.now() + timedelta(seconds=40)):
        verify = client.post(
            "/pharmacy/staff/verify/",
            {"otp_device": device.persistent_id, "otp_token": current_code(device), "next": "/dashboard/pharmacy/"},
        )
    assert verify.status_code == 302 and verify["Location"] == "/dashboard/pharmacy/"
    assert client.get("/dashboard/pharmacy/").status_code == 200

    trail = list(AuthenticatorEvent.objects.filter(staff=pharmacist).order_by("id").values_list("action", "actor"))
    assert trail == [
        (Action.ACCOUNT_CREATED, admin.pk),
        (Action.ENROLMENT_STARTED, admin.pk),
        (Action.CONFIRMATION_FAILED, admin.pk),
        (Action.CONFIRMED, admin.pk),
    ]


def test_adding_refuses_a_weak_password_and_a_taken_e_mail(admin_client):
    taken = CustomerFactory()
    weak = admin_client.post(
        "/dashboard/staff/add/",
        {
            "email": "new@pharmacy.example",
            "first_name": "N",
            "last_name": "W",
            "role": "Pharmacist",
            "password": "short",
        },
    )
    assert weak.status_code == 400
    again = admin_client.post(
        "/dashboard/staff/add/",
        {
            "email": taken.email,
            "first_name": "N",
            "last_name": "W",
            "role": "Pharmacist",
            "password": "correct-horse-battery-2026",
        },
    )
    assert again.status_code == 400 and b"already has an account" in again.content
    assert not get_user_model().objects.filter(email="new@pharmacy.example").exists()
    assert not AuthenticatorEvent.objects.exists()


def test_revoking_an_authenticator_stops_it_signing_in_and_is_recorded(admin_client, admin, client):
    pharmacist = PharmacistFactory(second_factor=True)
    device = TOTPDevice.objects.get(user=pharmacist)
    response = admin_client.post(f"/dashboard/staff/authenticator/{device.pk}/revoke/")
    assert response.status_code == 302 and response["Location"] == STAFF_URL
    assert not TOTPDevice.objects.filter(user=pharmacist).exists()
    event = AuthenticatorEvent.objects.get(staff=pharmacist)
    assert (event.action, event.actor, event.device_name) == (Action.REVOKED, admin, device.name)
    with pytest.raises(AppendOnlyError):
        event.delete()
    # Without an authenticator the pharmacist sees no page.
    client.force_login(pharmacist)
    assert client.get("/dashboard/pharmacy/")["Location"].startswith("/pharmacy/staff/verify/")


def test_an_administrator_cannot_revoke_their_own_last_authenticator(admin_client, admin):
    device = TOTPDevice.objects.get(user=admin, confirmed=True)
    response = admin_client.post(f"/dashboard/staff/authenticator/{device.pk}/revoke/", follow=True)
    assert b"your only authenticator" in response.content
    assert TOTPDevice.objects.filter(pk=device.pk).exists()


@pytest.mark.parametrize(
    "factory",
    [PharmacistFactory, TechnicianFactory, CustomerFactory, ShopAdministratorFactory],
    ids=["pharmacist", "technician", "customer", "shop administrator, not superuser"],
)
def test_nobody_but_an_administrator_manages_authenticators(factory):
    user = factory(**({"is_superuser": False} if factory is ShopAdministratorFactory else {}))
    client = staff_client(user) if factory is not CustomerFactory else staff_client(user, second_factor=False)
    target = PharmacistFactory(second_factor=True)
    device = TOTPDevice.objects.get(user=target)
    assert client.get(STAFF_URL).status_code == 403
    assert client.get(_enrol_url(target)).status_code == 403
    assert client.post(_enrol_url(target), {"code": "123456"}).status_code == 403
    assert client.post(f"/dashboard/staff/authenticator/{device.pk}/revoke/").status_code == 403
    add = client.post(
        "/dashboard/staff/add/",
        {
            "email": "x@pharmacy.example",
            "first_name": "X",
            "last_name": "Y",
            "role": "Pharmacist",
            "password": "p" * 20,
        },
    )
    assert add.status_code == 403
    assert TOTPDevice.objects.filter(user=target).count() == 1
    assert not AuthenticatorEvent.objects.exists()


def test_an_administrator_without_the_second_factor_is_sent_to_pass_it(admin):
    client = staff_client(admin, second_factor=False)
    response = client.get(STAFF_URL)
    assert response.status_code == 302 and response["Location"].startswith("/pharmacy/staff/verify/")


def test_a_customer_cannot_be_enrolled(admin_client):
    customer = CustomerFactory()
    assert admin_client.get(_enrol_url(customer)).status_code == 404
    assert not TOTPDevice.objects.filter(user=customer).exists()


def test_an_anonymous_visitor_is_asked_to_sign_in(client):
    response = client.get(STAFF_URL)
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_dashboard_menu_shows_the_page_to_administrators_only(admin_client):
    assert b'href="/dashboard/staff/"' in admin_client.get("/dashboard/pharmacy/").content
    pharmacist_client = staff_client(PharmacistFactory(second_factor=True))
    assert b'href="/dashboard/staff/"' not in pharmacist_client.get("/dashboard/pharmacy/").content
