"""Loads the demo shop: catalogue, stock, the US as shipping country, demo users.

Idempotent: every object is looked up by a natural key and only created or
brought back to its demo values, and passwords are set only when an account is
created, so running it twice changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.sites.models import Site
from django.db import transaction
from oscar.apps.catalogue.categories import create_from_breadcrumbs
from oscar.core.loading import get_model

from . import demo_catalogue
from .setup import ensure_product_class, ensure_us_shipping_country

Partner = get_model("partner", "Partner")
StockRecord = get_model("partner", "StockRecord")
Product = get_model("catalogue", "Product")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
ProductCategory = get_model("catalogue", "ProductCategory")


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    password: str
    first_name: str
    last_name: str
    group: str | None = None
    is_staff: bool = False
    is_superuser: bool = False
    # Demo-only TOTP secret (hex) so a newcomer can log in as staff:
    # `manage.py demo_totp` prints the current 6-digit codes.
    totp_key: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("customer", "alice@example.com", "alice-demo-2026", "Alice", "Moreno"),
    DemoAccount("second customer", "bob@example.com", "bob-demo-2026", "Bob", "Okafor"),
    DemoAccount(
        "pharmacist",
        "pharmacist@example.com",
        "pharmacist-demo-2026",
        "Priya",
        "Raman",
        group="Pharmacist",
        totp_key="3132333435363738393031323334353637383930",
    ),
    DemoAccount(
        "pharmacy technician",
        "technician@example.com",
        "technician-demo-2026",
        "Tom",
        "Becker",
        group="Pharmacy technician",
        totp_key="3132333435363738393031323334353637383931",
    ),
    DemoAccount(
        "shop administrator",
        "admin@example.com",
        "admin-demo-2026",
        "Ada",
        "Lindqvist",
        group="Shop administrator",
        is_staff=True,
        is_superuser=True,
        totp_key="3132333435363738393031323334353637383932",
    ),
)


@transaction.atomic
def load_demo() -> None:
    Site.objects.update_or_create(pk=1, defaults={"domain": "127.0.0.1:8000", "name": "rxshop Pharmacy"})
    ensure_us_shipping_country()
    partner, _ = Partner.objects.get_or_create(code="rxshop-pharmacy", defaults={"name": "rxshop Pharmacy"})
    classes = {
        demo_catalogue.RX: _product_class(demo_catalogue.RX, "Prescription medicine"),
        demo_catalogue.OTC: _product_class(demo_catalogue.OTC, "Over-the-counter"),
    }
    for upc, title, class_slug, category, price, stock, attributes, info in demo_catalogue.PRODUCTS:
        product, _ = Product.objects.update_or_create(
            upc=upc,
            defaults={
                "title": title,
                "product_class": classes[class_slug],
                "structure": Product.STANDALONE,
                "is_public": True,
            },
        )
        values = {**attributes, **info, **demo_catalogue.spanish_info(upc)}
        if attributes.get("requires_prescription"):
            values["medication_guide_url"] = demo_catalogue.MEDICATION_GUIDES
        for code, value in values.items():
            setattr(product.attr, code, value)
        product.attr.save()
        leaf = create_from_breadcrumbs(category)
        ProductCategory.objects.get_or_create(product=product, category=leaf)
        StockRecord.objects.update_or_create(
            partner=partner,
            partner_sku=upc,
            defaults={"product": product, "price": price, "price_currency": "USD", "num_in_stock": stock},
        )
    _load_accounts()
    _load_compliance()
    _load_ndc_directory()


def _product_class(slug: str, name: str):
    return ensure_product_class(slug, name)


def _load_accounts() -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from prescriptions.roles import sync_roles

    groups = sync_roles()
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user, created = User.objects.get_or_create(
            username=account.email,
            defaults={
                "email": account.email,
                "first_name": account.first_name,
                "last_name": account.last_name,
                "is_staff": account.is_staff,
                "is_superuser": account.is_superuser,
            },
        )
        if created:
            user.set_password(account.password)
            user.save(update_fields=["password"])
        if account.group:
            user.groups.add(groups[account.group])
        if account.totp_key:
            TOTPDevice.objects.get_or_create(
                user=user,
                name="Demo authenticator",
                defaults={"key": account.totp_key, "confirmed": True},
            )


def _load_ndc_directory() -> None:
    from prescriptions.dispensing.ndc import load_bundled

    load_bundled()


def _load_compliance() -> None:
    from compliance.demo import load_demo_compliance

    load_demo_compliance()
