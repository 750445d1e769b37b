"""The pharmacy's own standing, which the rules check: state licences and programme
certifications (the demo loads the same through ``compliance.demo``).

    PharmacyLicenceFactory(state="NJ", kind=NON_RESIDENT)   valid for two more years
    ProgrammeCertificationFactory()                         iPLEDGE, activated 60 days ago

Both are looked up before they are made, so asking for one the demo already loaded
returns the demo's.
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from compliance.models import PharmacyLicence, ProgrammeCertification


def _days_from_today(days: int):
    return factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=days))


class PharmacyLicenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PharmacyLicence
        django_get_or_create = ("state", "kind")

    state = "NY"
    kind = PharmacyLicence.Kind.RESIDENT
    number = factory.LazyAttribute(lambda o: f"{o.state}-TEST-{o.kind[:3].upper()}")
    expires_on = _days_from_today(730)


class ProgrammeCertificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeCertification
        django_get_or_create = ("programme",)

    programme = "ipledge"
    activated_on = _days_from_today(-60)
    reactivation_due = _days_from_today(305)
    responsible_pharmacist = "Dana Whitfield, PharmD"
