"""Patients: the person a prescription is for, on a customer's account.

    PatientFactory()                           the account holder themself (relationship "self")
    PatientFactory(child=True, account=parent) a child of the account holder, 16 years old

A patient has no status to move through, so the factory writes the row, as the
submission service does for a new patient.
"""

from __future__ import annotations

import datetime

import factory
from django.utils import timezone

from prescriptions.models import Patient

from .users import CustomerFactory


def years_ago(years: int) -> datetime.date:
    """The date of birth of someone who turns ``years`` today (the pharmacy's date)."""
    today = timezone.localdate()
    try:
        return today.replace(year=today.year - years)
    except ValueError:  # 29 February
        return today.replace(year=today.year - years, day=28)


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    class Params:
        child = factory.Trait(
            relationship=Patient.Relationship.CHILD,
            first_name="Lucia",
            date_of_birth=factory.LazyFunction(lambda: years_ago(16)),
        )

    account = factory.SubFactory(CustomerFactory)
    relationship = Patient.Relationship.SELF
    first_name = factory.SelfAttribute("account.first_name")
    last_name = factory.SelfAttribute("account.last_name")
    date_of_birth = datetime.date(1994, 5, 17)
    address_line1 = "22 Jay Street"
    city = "Brooklyn"
    state = "NY"
    postcode = "11201"
