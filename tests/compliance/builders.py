"""Builders for compliance facts: one valid isotretinoin dispense, changed one
field at a time by the tests."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from compliance.core import (
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
)
from compliance.core.facts import NO_KNOWN_ALLERGIES

NEW_YORK = ZoneInfo("America/New_York")


def et(year, month, day, hour=12, minute=0) -> datetime:
    """An instant given as New York wall time."""
    return datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


def utc(year, month, day, hour=12, minute=0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


LICENSED_STATES = ("NY", "NJ", "PA", "CA", "TX", "FL")


def pharmacy(**changes) -> PharmacyFacts:
    base = PharmacyFacts(
        licences=tuple(
            Licence(
                state=s,
                kind="resident" if s == "NY" else "non_resident",
                number=f"{s}-0001",
                expires_on=date(2027, 12, 31),
            )
            for s in LICENSED_STATES
        ),
        certifications=(
            Certification(
                programme="ipledge",
                activated_on=date(2025, 9, 1),
                reactivation_due=date(2026, 12, 31),
                responsible_pharmacist="Dana Whitfield, PharmD",
            ),
            Certification(
                programme="lenalidomide",
                activated_on=date(2025, 9, 1),
                reactivation_due=date(2026, 12, 31),
                responsible_pharmacist="Dana Whitfield, PharmD",
            ),
        ),
        online_controlled_registered=False,
    )
    return dataclasses.replace(base, **changes)


ISOTRETINOIN = Drug(
    name="Isotretinoin",
    strength="20 mg",
    dosage_form="capsule",
    requires_prescription=True,
    programme="ipledge",
    minimum_age=12,
    medication_guide_required=True,
)
DOXYCYCLINE = Drug(name="Doxycycline hyclate", strength="100 mg", dosage_form="capsule")
OXYCODONE = Drug(name="Oxycodone", strength="5 mg", dosage_form="tablet", dea_schedule=2)
ALPRAZOLAM = Drug(name="Alprazolam", strength="0.5 mg", dosage_form="tablet", dea_schedule=4)
LENALIDOMIDE = Drug(
    name="Lenalidomide",
    strength="10 mg",
    dosage_form="capsule",
    programme="lenalidomide",
    medication_guide_required=True,
)
CLOZAPINE = Drug(name="Clozapine", strength="100 mg", dosage_form="tablet", programme="clozapine")
LIP_BALM = Drug(name="Lip balm", requires_prescription=False)


def isotretinoin_dispense(**changes) -> Facts:
    """A valid isotretinoin dispense on Day 4 of a "can get pregnant" window
    (specimen 2026-03-02, RMA do-not-dispense-after 2026-03-08)."""
    base = Facts(
        stage=Stage.DISPENSE,
        moment=et(2026, 3, 5, 14, 0),
        drug=ISOTRETINOIN,
        pharmacy=pharmacy(),
        patient=Patient(
            full_name="Alex Rivera",
            date_of_birth=date(2004, 5, 17),
            address_line="12 Elm St, Albany, NY 12207",
            state="NY",
        ),
        account_holder=AccountHolder(date_of_birth=date(2004, 5, 17)),
        prescriber=Prescriber(name="Jane Smith, MD", address="1 Main St, Albany, NY 12207", npi="1234567893"),
        prescription=PrescriptionFacts(
            drug_name="Isotretinoin",
            strength="20 mg",
            dosage_form="capsule",
            quantity=30,
            days_supply=30,
            directions="Take 1 capsule by mouth daily with food",
            refills=0,
            date_written=date(2026, 3, 2),
            signed=True,
            electronic=True,
            risk_category="can",
        ),
        authorisation=Authorisation(
            programme="ipledge",
            number="RMA0012345",
            risk_category="can",
            do_not_dispense_after=date(2026, 3, 8),
            quantity=30,
            days_supply=30,
            obtained_at=et(2026, 3, 5, 9, 30),
            obtained_by="Dana Whitfield, PharmD",
        ),
        ship_to_state="NY",
        prescription_verified=True,
        medication_guide_recorded=True,
        fills_so_far=0,
        promised_delivery_on=date(2026, 3, 7),
    )
    if "moment" in changes and "authorisation" not in changes:
        # The pharmacist obtains the RMA shortly before dispensing, whatever the day.
        base = change(base, authorisation__obtained_at=changes["moment"] - timedelta(minutes=30))
    return dataclasses.replace(base, **changes)


def change(facts: Facts, **changes) -> Facts:
    """Replace top-level fields, or nested ones with ``part__field`` keys:
    ``change(f, prescription__refills=1, stage=Stage.VERIFY)``."""
    nested: dict[str, dict] = {}
    top = {}
    for key, value in changes.items():
        if "__" in key:
            part, name = key.split("__", 1)
            nested.setdefault(part, {})[name] = value
        else:
            top[key] = value
    for part, values in nested.items():
        top[part] = dataclasses.replace(top.get(part, getattr(facts, part)), **values)
    return dataclasses.replace(facts, **top)


def rule_ids(findings, severity=None) -> set[str]:
    return {f.rule_id for f in findings if severity is None or f.severity == severity}


def doxycycline_dispense(**changes) -> Facts:
    """A valid dispense of a prescription drug with no programme."""
    facts = isotretinoin_dispense(drug=DOXYCYCLINE, authorisation=None, medication_guide_recorded=False)
    facts = change(
        facts,
        prescription__drug_name="Doxycycline hyclate",
        prescription__strength="100 mg",
        prescription__quantity=20,
        prescription__days_supply=10,
        prescription__refills=2,
        prescription__directions="Take 1 capsule by mouth twice daily",
        prescription__risk_category=None,
    )
    return dataclasses.replace(facts, **changes)


def controlled_dispense(drug=OXYCODONE, **changes) -> Facts:
    """A dispense of a controlled drug by a pharmacy registered to sell them online."""
    facts = doxycycline_dispense(drug=drug, pharmacy=pharmacy(online_controlled_registered=True))
    facts = change(
        facts,
        prescriber__dea_number="MS2468139",
        prescription__drug_name=drug.name,
        prescription__strength=drug.strength,
        prescription__dosage_form=drug.dosage_form,
        prescription__refills=0,
        prescription__epcs=True,
    )
    return dataclasses.replace(facts, **changes)


# --- Drug-utilisation review ----------------------------------------------------------------
# Ingredients as the interaction source describes them (RxNorm ingredient RxCUI, classes).
ISOTRETINOIN_RXCUI, DOXYCYCLINE_RXCUI, MINOCYCLINE_RXCUI, TRAMADOL_RXCUI = "6064", "3640", "6980", "10689"
ISOTRETINOIN_INGREDIENT = Ingredient(code=ISOTRETINOIN_RXCUI, name="isotretinoin", classes={"retinoids"})
DOXYCYCLINE_INGREDIENT = Ingredient(code=DOXYCYCLINE_RXCUI, name="doxycycline", classes={"tetracyclines"})
MINOCYCLINE_INGREDIENT = Ingredient(code=MINOCYCLINE_RXCUI, name="minocycline", classes={"tetracyclines"})


def interaction(level=InteractionLevel.CONTRAINDICATED, **changes) -> Interaction:
    """Isotretinoin (the drug checked) with doxycycline (prescription R-DOXY)."""
    values = {
        "drug_code": ISOTRETINOIN_RXCUI,
        "other_code": DOXYCYCLINE_RXCUI,
        "other_reference": "prescription R-DOXY",
        "level": level,
        "drug_name": "isotretinoin",
        "other_name": "doxycycline",
        "summary": "A retinoid with a tetracycline: risk of raised intracranial pressure.",
        "management": "Do not combine.",
        "source": "ANSM Thésaurus des interactions médicamenteuses, October 2020 (demonstration data)",
    }
    values.update(changes)
    return Interaction(**values)


def doxycycline_medicine(reference="prescription R-DOXY", ingredient=DOXYCYCLINE_INGREDIENT) -> OtherMedicine:
    return OtherMedicine(reference=reference, name=ingredient.name, ingredients=(ingredient,))


def clinical(**changes) -> ClinicalFacts:
    """A patient who answered "no known allergies" and takes nothing else."""
    values = {"allergy_answer": NO_KNOWN_ALLERGIES}
    values.update(changes)
    return ClinicalFacts(**values)


def isotretinoin_screened(stage=Stage.VERIFY, **clinical_changes) -> Facts:
    """An isotretinoin prescription, coded, with clinical facts."""
    return isotretinoin_dispense(
        stage=stage,
        drug=dataclasses.replace(ISOTRETINOIN, ingredients=(ISOTRETINOIN_INGREDIENT,)),
        clinical=clinical(**clinical_changes),
    )
