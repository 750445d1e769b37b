"""The pharmacy's own particulars: what the footer, the policy pages and every e-mail show.

``pharmacy_details()`` reads the one ``PharmacyProfile`` row written by ``manage.py
setup_pharmacy`` (prescriptions/management), falling back to ``settings.RXSHOP_PHARMACY``
field by field where there is no row (the demo) or the row leaves a field empty.
``record_pharmacy_profile()`` is the service that writes it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction

from compliance.core.identifiers import dea_number_check, npi_is_valid

from .models import PharmacyProfile

_CACHE_KEY = "rxshop:pharmacy-details"
_CACHE_SECONDS = 600
FIELDS = ("name", "address", "phone", "email", "pharmacist_in_charge", "npi", "dea_registration", "pharmacist_hours")


def pharmacy_details() -> dict:
    """The pharmacy's particulars as a dict (keys of ``settings.RXSHOP_PHARMACY`` plus ``npi`` and
    ``dea_registration``). Cached for ten minutes and dropped when the profile is written."""
    details = cache.get(_CACHE_KEY)
    if details is None:
        details = {"npi": "", "dea_registration": "", **settings.RXSHOP_PHARMACY}
        profile = PharmacyProfile.objects.filter(pk=PharmacyProfile.SINGLETON_ID).first()
        if profile is not None:
            details.update({field: getattr(profile, field) for field in FIELDS if getattr(profile, field)})
        cache.set(_CACHE_KEY, details, _CACHE_SECONDS)
    return details


def forget_pharmacy_details(**_kwargs) -> None:
    cache.delete(_CACHE_KEY)


def record_pharmacy_profile(
    *,
    actor,
    name: str,
    address: str,
    phone: str,
    email: str,
    pharmacist_in_charge: str,
    npi: str,
    dea_registration: str = "",
    pharmacist_hours: str = "",
) -> PharmacyProfile:
    """Create or replace the pharmacy's profile. The NPI must pass its check digit (CMS NPI
    standard, 45 CFR 162.406) and a DEA registration, when given, its format and check digit
    (21 CFR 1301); a wrong number printed on every page would misstate who we are.

    ``actor`` is who did it (None: a command run by the operator); kept for the call's shape."""
    npi, dea_registration = npi.strip(), dea_registration.strip().upper()
    errors = {}
    if not npi_is_valid(npi):
        errors["npi"] = f"NPI {npi!r} is not ten digits with a valid check digit."
    if dea_registration and not dea_number_check(dea_registration, controlled=True).valid:
        errors["dea_registration"] = f"DEA registration {dea_registration!r} is not valid (format or check digit)."
    values = {
        "name": name.strip(),
        "address": address.strip(),
        "phone": phone.strip(),
        "email": email.strip(),
        "pharmacist_in_charge": pharmacist_in_charge.strip(),
    }
    errors.update(
        {
            field: f"The pharmacy's {field.replace('_', ' ')} is required."
            for field, value in values.items()
            if not value
        }
    )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        profile, _ = PharmacyProfile.objects.update_or_create(
            pk=PharmacyProfile.SINGLETON_ID,
            defaults={
                **values,
                "npi": npi,
                "dea_registration": dea_registration,
                "pharmacist_hours": pharmacist_hours.strip(),
            },
        )
        transaction.on_commit(forget_pharmacy_details)
    return profile
