"""`manage.py setup_pharmacy`: the first run of a real pharmacy, idempotent."""

from __future__ import annotations

import io

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.core.management import CommandError, call_command
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from compliance.models import PharmacyLicence
from infra.models import AuthenticatorEvent
from prescriptions.models import PharmacyProfile
from prescriptions.pharmacy import pharmacy_details

ProductClass = get_model("catalogue", "ProductClass")
Partner = get_model("partner", "Partner")
Country = get_model("address", "Country")
PASSWORD = "correct-Horse-battery-9"
DETAILS = [
    "--name",
    "Hudson Street Pharmacy",
    "--address",
    "1 Hudson St, New York, NY 10013",
    "--phone",
    "1-212-555-0100",
    "--email",
    "rx@hudson.example",
    "--pharmacist-in-charge",
    "Lee Park, PharmD",
    "--npi",
    "1234567893",
    "--dea-registration",
    "AB1234563",
]


def _setup(monkeypatch, settings, *extra):
    settings.RXSHOP_SITE_URL = "https://pharmacy.example"
    monkeypatch.setenv("ADMIN_PW", PASSWORD)
    out = io.StringIO()
    call_command(
        "setup_pharmacy",
        "--no-input",
        "--admin-email",
        "owner@hudson.example",
        "--admin-password-env",
        "ADMIN_PW",
        *DETAILS,
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db
def test_setup_pharmacy_twice_gives_one_admin_one_authenticator_and_the_site(monkeypatch, settings):
    first = _setup(monkeypatch, settings, "--licence", "NY:resident:031234:2030-12-31")
    second = _setup(monkeypatch, settings, "--licence", "NY:resident:031234:2030-12-31")

    admins = get_user_model().objects.filter(is_superuser=True)
    assert [u.email for u in admins] == ["owner@hudson.example"]
    admin = admins.get()
    assert admin.is_staff and admin.groups.filter(name="Shop administrator").exists()
    assert admin.check_password(PASSWORD)
    assert TOTPDevice.objects.filter(user=admin).count() == 1
    assert TOTPDevice.objects.get(user=admin).confirmed
    assert "otpauth://totp/" in first and "otpauth://" not in second
    assert "/dashboard/staff/" in first  # where the other staff are enrolled from then on
    # On the staff audit trail, once, by nobody signed in (the operator at the command line).
    trail = list(AuthenticatorEvent.objects.filter(staff=admin).order_by("id").values_list("action", "actor"))
    assert trail == [("enrolment_started", None), ("confirmed", None)]
    site = Site.objects.get_current()
    assert (site.domain, site.name) == ("pharmacy.example", "Hudson Street Pharmacy")
    assert PharmacyProfile.objects.count() == 1
    assert PharmacyLicence.objects.filter(state="NY", number="031234").count() == 1
    assert pharmacy_details()["npi"] == "1234567893"
    # The catalogue's frame: the product types with the attributes the rules read, the stock
    # partner, the shipping country; products are then added in the dashboard.
    rx = ProductClass.objects.get(slug="prescription-medicine")
    assert {"requires_prescription", "dea_schedule", "strength", "ndc"} <= set(
        rx.attributes.values_list("code", flat=True)
    )
    assert ProductClass.objects.filter(slug="over-the-counter").exists()
    assert Partner.objects.get(code="rxshop-pharmacy").name == "Hudson Street Pharmacy"
    assert Country.objects.get(iso_3166_1_a2="US").is_shipping_country


@pytest.mark.django_db
def test_setup_pharmacy_confirms_the_authenticator_only_with_its_current_code(monkeypatch, settings):
    with pytest.raises(CommandError, match="does not match"):
        _setup(monkeypatch, settings, "--totp-code", "000000")
    device = TOTPDevice.objects.get()
    assert not device.confirmed
    settings.OTP_TOTP_THROTTLE_FACTOR = 0  # the failed try above would otherwise hold the next one back a second
    # Run again: the same device (the QR code already scanned stays good), confirmed with a real code.
    code = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift).token()
    _setup(monkeypatch, settings, "--totp-code", f"{code:06d}")
    assert TOTPDevice.objects.get().pk == device.pk and TOTPDevice.objects.get().confirmed


@pytest.mark.django_db
def test_setup_pharmacy_refuses_a_bad_npi_and_missing_particulars(monkeypatch, settings):
    settings.RXSHOP_SITE_URL = "https://pharmacy.example"
    monkeypatch.setenv("ADMIN_PW", PASSWORD)
    bad = [v if v != "1234567893" else "1234567890" for v in DETAILS]
    with pytest.raises(CommandError, match="NPI"):
        call_command(
            "setup_pharmacy",
            "--no-input",
            "--admin-email",
            "o@h.example",
            "--admin-password-env",
            "ADMIN_PW",
            *bad,
            stdout=io.StringIO(),
        )
    with pytest.raises(CommandError, match="--npi"):
        call_command("setup_pharmacy", "--no-input", "--name", "X", stdout=io.StringIO())
    assert not get_user_model().objects.filter(is_superuser=True).exists()


@pytest.mark.django_db
def test_the_footer_shows_the_pharmacys_profile_over_the_settings(monkeypatch, settings, client):
    _setup(monkeypatch, settings)
    page = client.get("/pharmacy/contact/").content.decode()
    assert "Hudson Street Pharmacy" in page and "1234567893" in page and "AB1234563" in page


def test_load_demo_refuses_in_production(settings):
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("load_demo", stdout=io.StringIO())
