"""First run of a real pharmacy (``manage.py setup_pharmacy``), and a staff member's authenticator.

Each step is idempotent: run again, it changes only what differs. The command
(shop/storefront/management/commands/setup_pharmacy.py) asks the questions; these
functions do the writing.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.contrib.sites.models import Site
from django.core.exceptions import ValidationError
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from oscar.core.loading import get_model

from compliance.models import PharmacyLicence
from infra.models import AuthenticatorEvent
from prescriptions.drugs import (
    ATTRIBUTES,
    INFO_SECTIONS,
    MEDICATION_GUIDE_ATTR,
    MEDICATION_GUIDE_ES_ATTR,
    SPANISH_INFO_SECTIONS,
)
from prescriptions.roles import sync_roles

from .search import SEARCH_TERMS_ATTR

ADMIN_GROUP = "Shop administrator"
SETUP_DEVICE_NAME = "Authenticator (enrolled by setup_pharmacy)"


def configure_site(*, site_url: str, name: str) -> Site:
    """The Sites framework's current site: the domain every e-mail link is built on."""
    parts = urlsplit(site_url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValidationError(f"RXSHOP_SITE_URL {site_url!r} is not an address like https://pharmacy.example.")
    site, _ = Site.objects.update_or_create(pk=settings.SITE_ID, defaults={"domain": parts.netloc, "name": name[:50]})
    Site.objects.clear_cache()
    return site


def has_administrator() -> bool:
    return get_user_model()._default_manager.filter(is_superuser=True, is_active=True).exists()


@transaction.atomic
def create_administrator(*, email: str, password: str):
    """The first administrator: superuser, shop staff, in the Shop administrator group. The password
    must pass the site's validators (10+ characters, not common, not like the e-mail)."""
    User = get_user_model()
    email = User._default_manager.normalize_email(email.strip())
    if not email or "@" not in email:
        raise ValidationError("The administrator needs an e-mail address.")
    user = User(username=email, email=email, is_staff=True, is_superuser=True, is_active=True)
    validate_password(password, user)
    user.set_password(password)
    user.save()
    user.groups.add(sync_roles()[ADMIN_GROUP])
    return user


@dataclass(frozen=True)
class Enrolment:
    device: TOTPDevice
    created: bool

    @property
    def otpauth_uri(self) -> str:
        return self.device.config_url


@transaction.atomic
def start_totp_enrolment(*, user, name: str = SETUP_DEVICE_NAME) -> Enrolment:
    """An authenticator for ``user``, not yet confirmed (it lets nobody in until it is).
    Run again before confirming: the same device and key, so a QR code already scanned still works."""
    device = TOTPDevice.objects.filter(user=user, name=name, confirmed=False).first()
    if device is not None:
        return Enrolment(device, False)
    device = TOTPDevice.objects.create(user=user, name=name, confirmed=False)
    AuthenticatorEvent.objects.create(staff=user, action=AuthenticatorEvent.Action.ENROLMENT_STARTED, device_name=name)
    return Enrolment(device, True)


@transaction.atomic
def confirm_totp_enrolment(*, device: TOTPDevice, code: str | None) -> bool:
    """Confirm ``device`` with a code its authenticator shows; ``code=None`` confirms it without
    one (automation, ``--no-input``: the operator delivered the URI by other means)."""
    if code is not None and not device.verify_token(code.strip()):
        return False
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # On the audit trail with no actor: the operator, at the command line.
    AuthenticatorEvent.objects.create(
        staff=device.user, action=AuthenticatorEvent.Action.CONFIRMED, device_name=device.name
    )
    return True


def has_confirmed_device(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def record_licence(*, spec: str) -> PharmacyLicence:
    """``STATE:KIND:NUMBER:EXPIRES``, e.g. ``NY:resident:031234:2027-12-31`` (kind resident or
    non_resident); the same state, kind and number is updated, not duplicated."""
    try:
        state, kind, number, expires = (part.strip() for part in spec.split(":"))
        expires_on = datetime.date.fromisoformat(expires)
    except ValueError as exc:
        raise ValidationError(f"Licence {spec!r} is not STATE:KIND:NUMBER:YYYY-MM-DD.") from exc
    kind = kind.lower().replace("-", "_")
    if kind not in PharmacyLicence.Kind.values:
        raise ValidationError(f"Licence kind {kind!r} is not one of {', '.join(PharmacyLicence.Kind.values)}.")
    licence = PharmacyLicence(state=state.upper(), kind=kind, number=number, expires_on=expires_on)
    licence.full_clean(validate_unique=False, validate_constraints=False)
    licence, _ = PharmacyLicence.objects.update_or_create(
        state=licence.state, kind=kind, number=number, defaults={"expires_on": expires_on}
    )
    return licence


# --- The catalogue's frame: what a product needs before the dashboard can add one -------

RX_CLASS, OTC_CLASS = ("prescription-medicine", "Prescription medicine"), ("over-the-counter", "Over-the-counter")
PARTNER_CODE = "rxshop-pharmacy"


def ensure_product_class(slug: str, name: str):
    """A product type with the attributes the pharmacy's rules read (``prescriptions.drugs``:
    requires_prescription, DEA schedule, strength, NDC…) and the drug-information sections."""
    ProductClass = get_model("catalogue", "ProductClass")
    ProductAttribute = get_model("catalogue", "ProductAttribute")
    product_class, _ = ProductClass.objects.update_or_create(
        slug=slug, defaults={"name": name, "requires_shipping": True, "track_stock": True}
    )
    for code, attr_name, attr_type in (*ATTRIBUTES, MEDICATION_GUIDE_ATTR, MEDICATION_GUIDE_ES_ATTR, SEARCH_TERMS_ATTR):
        ProductAttribute.objects.update_or_create(
            product_class=product_class, code=code, defaults={"name": attr_name, "type": attr_type}
        )
    for code, attr_name in (*INFO_SECTIONS, *SPANISH_INFO_SECTIONS):
        ProductAttribute.objects.update_or_create(
            product_class=product_class, code=code, defaults={"name": str(attr_name), "type": "richtext"}
        )
    return product_class


@transaction.atomic
def configure_catalogue(*, pharmacy_name: str) -> None:
    """The two product types, the pharmacy as the partner that holds the stock, and the United
    States as the one shipping country. Products are then added in the dashboard."""
    Partner = get_model("partner", "Partner")
    for slug, name in (RX_CLASS, OTC_CLASS):
        ensure_product_class(slug, name)
    Partner.objects.update_or_create(code=PARTNER_CODE, defaults={"name": pharmacy_name[:128]})
    ensure_us_shipping_country()


def ensure_us_shipping_country():
    """The United States, the one country the pharmacy ships to."""
    return get_model("address", "Country").objects.update_or_create(
        iso_3166_1_a2="US",
        defaults={
            "iso_3166_1_a3": "USA",
            "iso_3166_1_numeric": "840",
            "printable_name": "United States",
            "name": "United States of America",
            "display_order": 1,
            "is_shipping_country": True,
        },
    )[0]
