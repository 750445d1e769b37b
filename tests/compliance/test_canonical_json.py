"""The fast canonical JSON writer (issue 25) writes, byte for byte, what the
old ``json.dumps(to_jsonable(facts))`` wrote: fingerprints are stored and
compared later. Random facts, including values of the wrong type that a
caller could still pass (floats, bools, Decimals, str subclasses, dicts), are
written both ways; an error is the same error both ways."""

from __future__ import annotations

import dataclasses
import enum
import json
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.core import (
    PRESCRIPTION_ELEMENTS,
    AccountHolder,
    Authorisation,
    Certification,
    ClinicalFacts,
    Drug,
    Facts,
    Ingredient,
    Interaction,
    InteractionLevel,
    Licence,
    OtherMedicine,
    Patient,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
    canonical_json,
    fingerprint,
    to_jsonable,
)
from compliance.core.facts import ALLERGY_ANSWERS, CONDITIONS, Allergy, OtherPrescription

from . import canonical_json_reference as reference
from .builders import change, doxycycline_dispense, isotretinoin_dispense


class Shout(str):
    """A str subclass (e.g. a lazy or marked-safe string a caller forgot to convert)."""


class Colour(enum.Enum):
    RED = "red"
    ONE = 1


texts = st.text(max_size=12)
optional_texts = st.none() | texts
numbers = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.decimals(min_value=-(10**6), max_value=10**6, allow_nan=False, allow_infinity=False),
    st.sampled_from([Decimal("30"), Decimal("30.00"), Decimal("3E+1"), Decimal("-0"), Decimal("2.50")]),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([-0.0, 0.0, 1.0, True, False]),
)
# Values of types a field does not declare: written through the slow path.
oddities = st.one_of(
    texts,
    texts.map(Shout),
    numbers,
    st.sampled_from([*Stage, *InteractionLevel, *Colour]),
    st.dictionaries(st.one_of(texts, st.integers(-3, 3)), numbers, max_size=3),
    st.lists(numbers, max_size=3),
    st.frozensets(st.integers(-5, 5), max_size=3),
    st.frozensets(texts.map(Shout), max_size=3),
)
zones = st.sampled_from(
    [UTC, ZoneInfo("America/New_York"), ZoneInfo("Asia/Kolkata"), timezone(timedelta(hours=-3, minutes=-30))]
)
# hypothesis takes naive bounds and adds the zone
instants = st.datetimes(datetime(1950, 1, 1), datetime(2100, 1, 1), timezones=zones)  # noqa: DTZ001
dates = st.dates(date(1900, 1, 1), date(2100, 12, 31))
optional_dates = st.none() | dates


def tuples(strategy, max_size=3):
    return st.lists(strategy, max_size=max_size).map(tuple)


ingredients = st.builds(
    Ingredient,
    code=texts.filter(str.strip),
    name=texts,
    classes=st.frozensets(texts, max_size=3),
)
drugs = st.builds(
    Drug,
    name=texts,
    strength=texts,
    dosage_form=texts,
    requires_prescription=st.booleans() | st.integers(0, 1),
    dea_schedule=st.none() | st.integers(1, 5),
    programme=optional_texts,
    minimum_age=st.none() | st.integers(0, 99) | st.booleans(),
    medication_guide_required=st.booleans(),
    ingredients=tuples(ingredients, 2),
)
licences = st.builds(
    Licence,
    state=st.sampled_from(["NY", "NJ", "CA"]) | texts,
    kind=st.sampled_from(["resident", "non_resident"]),
    number=texts,
    expires_on=dates,
)
certifications = st.builds(
    Certification,
    programme=texts,
    activated_on=dates,
    reactivation_due=optional_dates,
    responsible_pharmacist=texts,
)
pharmacies = st.builds(
    PharmacyFacts,
    licences=tuples(licences, 4),
    certifications=tuples(certifications, 2),
    online_controlled_registered=st.booleans() | st.integers(0, 1),
)
other_prescriptions = st.builds(
    OtherPrescription,
    reference=texts,
    date_written=optional_dates,
    days_supply=numbers,
    earliest_fill_date=optional_dates,
)
prescriptions = st.builds(
    PrescriptionFacts,
    drug_name=texts,
    strength=texts,
    dosage_form=texts,
    quantity=numbers,
    days_supply=numbers,
    directions=texts,
    refills=numbers,
    date_written=optional_dates,
    signed=st.booleans(),
    electronic=st.booleans(),
    epcs=st.booleans(),
    telephone=st.booleans(),
    completed_by_pharmacist=st.frozensets(st.sampled_from(sorted(PRESCRIPTION_ELEMENTS))),
    completion_note=oddities,
    risk_category=optional_texts,
    earliest_fill_date=optional_dates,
    same_day_schedule_ii=tuples(other_prescriptions, 2),
    last_fill_on=optional_dates,
    last_fill_days_supply=numbers,
)
authorisations = st.builds(
    Authorisation,
    programme=texts,
    number=texts,
    risk_category=optional_texts,
    do_not_dispense_after=optional_dates,
    quantity=numbers,
    days_supply=numbers,
    obtained_at=st.none() | instants,
    obtained_by=optional_texts,
)
clinical = st.builds(
    ClinicalFacts,
    allergy_answer=st.sampled_from(sorted(ALLERGY_ANSWERS)),
    allergies=tuples(
        st.builds(
            Allergy,
            name=texts,
            code=optional_texts,
            drug_class=optional_texts,
            reaction=texts,
            intolerance=st.booleans(),
        ),
        2,
    ),
    conditions=st.frozensets(st.sampled_from(sorted(CONDITIONS))),
    medicines=tuples(
        st.builds(
            OtherMedicine, reference=texts, name=texts, ingredients=tuples(ingredients, 2), from_elsewhere=st.booleans()
        ),
        2,
    ),
    unmapped_medicines=tuples(texts),
    interactions=tuples(
        st.builds(
            Interaction,
            drug_code=texts,
            other_code=texts,
            other_reference=texts,
            level=st.sampled_from(list(InteractionLevel)),
            summary=texts,
            language=st.sampled_from(["en", "fr"]),
            conditional=st.booleans(),
        ),
        2,
    ),
    source=texts,
    overridden=st.frozensets(texts, max_size=3),
)
facts_strategy = st.builds(
    Facts,
    stage=st.sampled_from(list(Stage)),
    moment=instants,
    drug=drugs,
    pharmacy=pharmacies,
    patient=st.none()
    | st.builds(Patient, full_name=texts, date_of_birth=optional_dates, address_line=texts, state=optional_texts),
    account_holder=st.none() | st.builds(AccountHolder, date_of_birth=optional_dates),
    prescriber=st.none()
    | st.builds(
        Prescriber, name=texts, address=texts, npi=optional_texts, dea_number=optional_texts, last_name=oddities
    ),
    prescription=st.none() | prescriptions,
    authorisation=st.none() | authorisations,
    ship_to_state=optional_texts,
    prescription_verified=st.booleans(),
    medication_guide_recorded=st.booleans(),
    fills_so_far=numbers,
    promised_delivery_on=optional_dates,
    clinical=st.none() | clinical,
)


def outcome(write, facts):
    try:
        return write(facts)
    except (TypeError, ValueError) as error:
        return type(error), str(error)


@settings(max_examples=150, deadline=None)
@given(facts_strategy)
def test_the_fast_writer_writes_what_json_dumps_of_to_jsonable_wrote(facts):
    assert outcome(canonical_json, facts) == outcome(reference.canonical_json, facts)
    # to_jsonable (the stored facts) too: the same keys in the same order, the same types.
    assert outcome(lambda f: json.dumps(to_jsonable(f)), facts) == outcome(
        lambda f: json.dumps(reference.to_jsonable(f)), facts
    )


@pytest.mark.parametrize(
    "facts",
    [
        isotretinoin_dispense(),
        doxycycline_dispense(),
        change(isotretinoin_dispense(), prescription__quantity=Decimal("2.50"), patient__full_name='Zoë "Z" \\ \n'),
        change(isotretinoin_dispense(), prescription__completed_by_pharmacist=frozenset({"strength", "directions"})),
    ],
)
def test_the_builders_facts_are_written_as_before(facts):
    assert canonical_json(facts) == reference.canonical_json(facts)


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"prescription__quantity": float("nan")}, ValueError),
        ({"prescription__quantity": Decimal("Infinity")}, ValueError),
        ({"authorisation__obtained_at": datetime(2026, 3, 5, 9, 30)}, ValueError),  # noqa: DTZ001 - naive on purpose
        ({"prescription__completion_note": object()}, TypeError),
        ({"prescription__completion_note": frozenset({"a", 1})}, TypeError),  # cannot be sorted
    ],
)
def test_what_cannot_be_written_is_refused_as_before(changes, error):
    facts = change(isotretinoin_dispense(), **changes)
    with pytest.raises(error):
        reference.canonical_json(facts)
    with pytest.raises(error):
        canonical_json(facts)
    with pytest.raises(error):
        fingerprint(facts)


def test_a_dataclass_with_no_fields_and_one_field_is_written_as_before():
    @dataclasses.dataclass(frozen=True)
    class Empty:
        pass

    facts = change(isotretinoin_dispense(), prescription__completion_note=Empty(), account_holder=AccountHolder())
    assert canonical_json(facts) == reference.canonical_json(facts)


def test_the_dates_written_are_remembered_within_a_bound(monkeypatch):
    from compliance.core import serialise

    monkeypatch.setattr(serialise, "_DATES_BOUND", 3)
    serialise._DATES.clear()
    for day in range(1, 8):
        facts = change(isotretinoin_dispense(), promised_delivery_on=date(2026, 3, day))
        assert canonical_json(facts) == reference.canonical_json(facts)
        assert len(serialise._DATES) <= 3
    assert canonical_json(facts) == reference.canonical_json(facts)  # remembered: the same text
