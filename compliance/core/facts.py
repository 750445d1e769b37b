"""The facts a rule may look at: frozen, keyword-only dataclasses, no behaviour.

Everything a rule needs is passed in; nothing is read from a database or a
clock. Dates are ``datetime.date``; the one instant, ``Facts.moment``, is an
aware ``datetime`` and each rule converts it to the calendar it needs (the
pharmacy's time zone, or America/New_York for a programme that says so).

Customer-supplied answers about pregnancy potential have no field here on
purpose: a programme's risk category comes from the prescriber (on the
prescription) or from the programme's authorisation, never from the customer
(RULES.md 1.4).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


class Stage(enum.StrEnum):
    """When the rules are run.

    VERIFY: a pharmacist verifies the prescription.
    CHECKOUT: the customer places the order (payment is only authorised).
    DISPENSE: a pharmacist releases the drug (payment captured).
    SHIP: the dispensed drug leaves in a parcel (carrier, tracking number, promised
    delivery date). Only the rules about the parcel's delivery run here: the medicine
    was judged at DISPENSE; what may have changed since is when it will arrive.
    """

    VERIFY = "verify"
    CHECKOUT = "checkout"
    DISPENSE = "dispense"
    SHIP = "ship"


#: The stages at which the medicine itself is judged: a rule that names no stages runs at
#: these. Not SHIP: a rule runs there only when it says so (the mail-order delivery date).
ALL_STAGES = frozenset({Stage.VERIFY, Stage.CHECKOUT, Stage.DISPENSE})

# The elements of a prescription (RULES.md 2.1). The names are what
# ``PrescriptionFacts.completed_by_pharmacist`` holds.
PATIENT_NAME = "patient_name"
PATIENT_ADDRESS = "patient_address"
PATIENT_DATE_OF_BIRTH = "patient_date_of_birth"
PRESCRIBER_NAME = "prescriber_name"
PRESCRIBER_ADDRESS = "prescriber_address"
PRESCRIBER_NPI = "prescriber_npi"
PRESCRIBER_DEA_NUMBER = "prescriber_dea_number"
DRUG_NAME = "drug_name"
STRENGTH = "strength"
DOSAGE_FORM = "dosage_form"
QUANTITY = "quantity"
DIRECTIONS = "directions"
REFILLS = "refills"
DATE_WRITTEN = "date_written"
SIGNATURE = "signature"

PRESCRIPTION_ELEMENTS = frozenset(
    {
        PATIENT_NAME,
        PATIENT_ADDRESS,
        PATIENT_DATE_OF_BIRTH,
        PRESCRIBER_NAME,
        PRESCRIBER_ADDRESS,
        PRESCRIBER_NPI,
        PRESCRIBER_DEA_NUMBER,
        DRUG_NAME,
        STRENGTH,
        DOSAGE_FORM,
        QUANTITY,
        DIRECTIONS,
        REFILLS,
        DATE_WRITTEN,
        SIGNATURE,
    }
)
# "never for a missing drug, patient or signature" (RULES.md 2.1).
NEVER_COMPLETED_BY_PHARMACIST = frozenset({PATIENT_NAME, DRUG_NAME, SIGNATURE})

RESIDENT = "resident"
NON_RESIDENT = "non_resident"
LICENCE_KINDS = frozenset({RESIDENT, NON_RESIDENT})


@dataclass(frozen=True, slots=True, kw_only=True)
class Patient:
    """The person the prescription is for. ``state`` is the two-letter code of
    the patient's address."""

    full_name: str
    date_of_birth: date | None = None
    address_line: str = ""
    state: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class AccountHolder:
    """The store account placing the order (may be a guardian of the patient)."""

    date_of_birth: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Prescriber:
    """``last_name`` is used for the DEA number's second letter; when absent it
    is taken from ``name`` (the last word before any comma, e.g. "Jane Smith, MD")."""

    name: str
    address: str = ""
    npi: str | None = None
    dea_number: str | None = None
    last_name: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Ingredient:
    """An active ingredient by its code (RxNorm ingredient RxCUI): screening
    matches codes and classes, never names. ``name`` is for messages only;
    ``classes`` are the therapeutic classes the interaction source puts it in
    (e.g. "tetracyclines"), as the source names them."""

    code: str
    name: str = ""
    classes: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not isinstance(self.classes, frozenset):
            object.__setattr__(self, "classes", frozenset(self.classes))
        if not self.code.strip():
            raise ValueError("an ingredient needs its code")


@dataclass(frozen=True, slots=True, kw_only=True)
class Drug:
    """The product being sold or dispensed (from the catalogue).

    ``dea_schedule`` is 1..5 for a controlled substance (1 is never
    dispensable), None otherwise; ``online_rules.is_controlled`` and
    ``online_rules.sold_online`` are the one reading of it. ``programme`` is the registered code of a
    REMS programme (the product attribute ``programme``), None for none.
    ``ingredients`` are its active ingredients by code (the product attribute
    ``ingredient_codes``); drug-utilisation review screens them.
    """

    name: str
    strength: str = ""
    dosage_form: str = ""
    requires_prescription: bool = True
    dea_schedule: int | None = None
    programme: str | None = None
    minimum_age: int | None = None
    medication_guide_required: bool = False
    ingredients: tuple[Ingredient, ...] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.ingredients, tuple):
            object.__setattr__(self, "ingredients", tuple(self.ingredients))
        if self.dea_schedule is not None and self.dea_schedule not in (1, 2, 3, 4, 5):
            raise ValueError(f"dea_schedule must be 1..5 or None, not {self.dea_schedule!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherPrescription:
    """Another prescription that a rule weighs with this one, e.g. a Schedule
    II prescription for the same patient by the same prescriber issued the
    same day (21 CFR 1306.12(b)). ``reference`` is how the pharmacist finds it."""

    reference: str
    date_written: date | None = None
    days_supply: int | None = None
    earliest_fill_date: date | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class PrescriptionFacts:
    """The prescription as written, plus what the pharmacist recorded.

    Drug fields are as written by the prescriber. ``completed_by_pharmacist``
    names the elements (see ``PRESCRIPTION_ELEMENTS``) that were missing and
    that the pharmacist filled in after contacting the prescriber, with
    ``completion_note`` recording that contact. ``risk_category`` is the
    programme category written by the prescriber (e.g. SCRIPT
    ``REMSPatientRiskCategory``). ``earliest_fill_date`` is the "do not fill
    before" date of a C-II issued as one of several (21 CFR 1306.12(b));
    ``same_day_schedule_ii`` lists the other Schedule II prescriptions issued
    for the same patient by the same prescriber on the same day.
    ``last_fill_on``/``last_fill_days_supply`` describe the previous fill of
    this prescription, if any.
    """

    drug_name: str = ""
    strength: str = ""
    dosage_form: str = ""
    quantity: int | Decimal | None = None
    days_supply: int | None = None
    directions: str = ""
    refills: int | None = None
    date_written: date | None = None
    signed: bool = False
    electronic: bool = False
    epcs: bool = False
    telephone: bool = False
    completed_by_pharmacist: frozenset[str] = field(default_factory=frozenset)
    completion_note: str = ""
    risk_category: str | None = None
    earliest_fill_date: date | None = None
    same_day_schedule_ii: tuple[OtherPrescription, ...] = ()
    last_fill_on: date | None = None
    last_fill_days_supply: int | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.completed_by_pharmacist, frozenset):
            object.__setattr__(self, "completed_by_pharmacist", frozenset(self.completed_by_pharmacist))
        if not isinstance(self.same_day_schedule_ii, tuple):
            object.__setattr__(self, "same_day_schedule_ii", tuple(self.same_day_schedule_ii))
        unknown = self.completed_by_pharmacist - PRESCRIPTION_ELEMENTS
        if unknown:
            raise ValueError(f"unknown prescription elements: {sorted(unknown)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Authorisation:
    """A programme's dispense authorisation, e.g. an RMA.

    ``risk_category`` is the one shown by the programme (or the prescriber);
    ``do_not_dispense_after`` is the programme's date, never recomputed here;
    ``quantity``/``days_supply`` are as authorised; ``obtained_at`` is an
    aware datetime; ``obtained_by`` identifies the pharmacist.
    """

    programme: str
    number: str
    risk_category: str | None = None
    do_not_dispense_after: date | None = None
    quantity: int | Decimal | None = None
    days_supply: int | None = None
    obtained_at: datetime | None = None
    obtained_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Licence:
    """A state pharmacy licence; valid through ``expires_on`` inclusive."""

    state: str
    kind: str
    number: str
    expires_on: date

    def __post_init__(self) -> None:
        if self.kind not in LICENCE_KINDS:
            raise ValueError(f"licence kind must be one of {sorted(LICENCE_KINDS)}, not {self.kind!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Certification:
    """The pharmacy's certification in a programme; active from
    ``activated_on`` through ``reactivation_due`` inclusive."""

    programme: str
    activated_on: date
    reactivation_due: date | None
    responsible_pharmacist: str


@dataclass(frozen=True, slots=True, kw_only=True)
class PharmacyFacts:
    licences: tuple[Licence, ...] = ()
    certifications: tuple[Certification, ...] = ()
    online_controlled_registered: bool = False

    #: States where the pharmacy holds a resident licence (derived, not a fact).
    home_states: frozenset[str] = field(init=False, repr=False, compare=False, default=frozenset())

    def __post_init__(self) -> None:
        object.__setattr__(self, "licences", tuple(self.licences))
        object.__setattr__(self, "certifications", tuple(self.certifications))
        object.__setattr__(self, "home_states", frozenset(lic.state for lic in self.licences if lic.kind == RESIDENT))


class InteractionLevel(enum.StrEnum):
    """How strongly a compendium grades an interaction, most severe first. The
    French ANSM thesaurus (the demo source) has four levels: Contre-indication,
    Association déconseillée, Précaution d'emploi, A prendre en compte."""

    CONTRAINDICATED = "contraindicated"
    NOT_RECOMMENDED = "not-recommended"
    PRECAUTION = "precaution"
    TAKE_INTO_ACCOUNT = "take-into-account"

    @property
    def label(self) -> str:
        return _LEVEL_LABELS[self]

    @property
    def rank(self) -> int:
        """0 for the most severe."""
        return list(InteractionLevel).index(self)


_LEVEL_LABELS = {
    InteractionLevel.CONTRAINDICATED: "contraindicated",
    InteractionLevel.NOT_RECOMMENDED: "combination not recommended",
    InteractionLevel.PRECAUTION: "precaution for use",
    InteractionLevel.TAKE_INTO_ACCOUNT: "take into account",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Interaction:
    """One interaction the source found between an ingredient of the drug
    being checked (``drug_code``) and one of another medicine
    (``other_code``, the medicine ``other_reference``).

    ``summary``/``management`` are the source's mechanism and what to do, in
    ``language`` (an ISO 639-1 code: the demo source's own text is French,
    "fr", unless an English summary was written for the pair); ``source``
    names the compendium and its edition; ``conditional`` says the source
    grades the pair by circumstances (e.g. only above a dose), so the level is
    the pharmacist's to confirm.
    """

    drug_code: str
    other_code: str
    other_reference: str
    level: InteractionLevel
    drug_name: str = ""
    other_name: str = ""
    summary: str = ""
    management: str = ""
    language: str = "en"
    source: str = ""
    conditional: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.level, InteractionLevel):
            object.__setattr__(self, "level", InteractionLevel(self.level))


@dataclass(frozen=True, slots=True, kw_only=True)
class Allergy:
    """An allergy or intolerance on the patient's profile: to one ingredient
    (``code``) or to a class (``drug_class``, as the interaction source names
    it), with the reaction. ``intolerance`` is a side effect the patient does
    not tolerate, not an immune reaction."""

    name: str
    code: str | None = None
    drug_class: str | None = None
    reaction: str = ""
    intolerance: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class OtherMedicine:
    """A medicine the patient takes besides the one being checked: another
    active or recently dispensed prescription at this pharmacy
    (``reference`` is how the pharmacist finds it) or one from elsewhere that
    the profile lists. ``ingredients`` may be empty for free text nobody has
    mapped yet."""

    reference: str
    name: str
    ingredients: tuple[Ingredient, ...] = ()
    from_elsewhere: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.ingredients, tuple):
            object.__setattr__(self, "ingredients", tuple(self.ingredients))


#: Allergy answers: never asked, asked and none known, asked and listed.
ALLERGIES_NOT_ASKED = "not-asked"
NO_KNOWN_ALLERGIES = "none-known"
ALLERGIES_LISTED = "listed"
ALLERGY_ANSWERS = frozenset({ALLERGIES_NOT_ASKED, NO_KNOWN_ALLERGIES, ALLERGIES_LISTED})

#: Conditions relevant to dispensing (profile vocabulary).
PREGNANT = "pregnant"
BREASTFEEDING = "breastfeeding"
KIDNEY_DISEASE = "kidney-disease"
LIVER_DISEASE = "liver-disease"
CONDITIONS = frozenset({PREGNANT, BREASTFEEDING, KIDNEY_DISEASE, LIVER_DISEASE})


@dataclass(frozen=True, slots=True, kw_only=True)
class ClinicalFacts:
    """What drug-utilisation review screens the drug against.

    ``allergy_answer`` distinguishes "no known allergies" (an answer) from
    "not asked"; ``unmapped_medicines`` names medicines from elsewhere that
    are free text no pharmacist has coded yet; ``interactions`` are what the
    interaction source (``source``) found between the drug and
    ``medicines``; ``overridden`` are the DUR finding ids a pharmacist
    overrode, with a documented reason, when verifying this prescription.
    """

    allergy_answer: str = ALLERGIES_NOT_ASKED
    allergies: tuple[Allergy, ...] = ()
    conditions: frozenset[str] = field(default_factory=frozenset)
    medicines: tuple[OtherMedicine, ...] = ()
    unmapped_medicines: tuple[str, ...] = ()
    interactions: tuple[Interaction, ...] = ()
    source: str = ""
    overridden: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for name in ("allergies", "medicines", "unmapped_medicines", "interactions"):
            if not isinstance(getattr(self, name), tuple):
                object.__setattr__(self, name, tuple(getattr(self, name)))
        for name in ("conditions", "overridden"):
            if not isinstance(getattr(self, name), frozenset):
                object.__setattr__(self, name, frozenset(getattr(self, name)))
        if self.allergy_answer not in ALLERGY_ANSWERS:
            raise ValueError(f"allergy_answer must be one of {sorted(ALLERGY_ANSWERS)}, not {self.allergy_answer!r}")
        unknown = self.conditions - CONDITIONS
        if unknown:
            raise ValueError(f"unknown conditions: {sorted(unknown)}")


@dataclass(frozen=True, slots=True, kw_only=True)
class Facts:
    """Everything one evaluation looks at.

    ``moment`` must be timezone-aware; it is "now" for the rules (at DISPENSE it
    is the dispense date). ``prescription_verified`` says a pharmacist has
    verified the prescription (needed at CHECKOUT and DISPENSE, RULES.md 3.1).
    ``fills_so_far`` counts fills already dispensed under this prescription.
    ``promised_delivery_on`` is the carrier's promised delivery date for a
    mail-order dispense (at SHIP: the parcel's). ``clinical`` is what drug-utilisation review looks
    at (the patient's profile, their other medicines, the interactions the
    source found); None where nobody gathered it.
    """

    stage: Stage
    moment: datetime
    drug: Drug
    pharmacy: PharmacyFacts
    patient: Patient | None = None
    account_holder: AccountHolder | None = None
    prescriber: Prescriber | None = None
    prescription: PrescriptionFacts | None = None
    authorisation: Authorisation | None = None
    ship_to_state: str | None = None
    prescription_verified: bool = False
    medication_guide_recorded: bool = False
    fills_so_far: int = 0
    promised_delivery_on: date | None = None
    clinical: ClinicalFacts | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.stage, Stage):
            object.__setattr__(self, "stage", Stage(self.stage))
        if self.moment.tzinfo is None or self.moment.utcoffset() is None:
            raise ValueError("Facts.moment must be a timezone-aware datetime")
