"""The pure rule core: facts in, findings out. No Django, no clock.

Public API::

    from compliance.core import (
        Facts, Stage, Severity, Finding, evaluate, passes, DEFAULT_CONFIG, Config,
        npi_is_valid, dea_number_check, get_programme, register, fingerprint,
    )

See ``compliance/README.md`` for the rule/stage table.
"""

from .config import DEFAULT_CONFIG, Config, Expiry, days, months
from .dur import InteractionSource, is_dur, needs_documented_override, screen
from .engine import GENERAL_RULES, evaluate, rules_for
from .facts import (
    ALL_STAGES,
    NEVER_COMPLETED_BY_PHARMACIST,
    NON_RESIDENT,
    PRESCRIPTION_ELEMENTS,
    RESIDENT,
    AccountHolder,
    Allergy,
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
    OtherPrescription,
    Patient,
    PharmacyFacts,
    Prescriber,
    PrescriptionFacts,
    Stage,
)
from .findings import Finding, Severity, blocks, passes, warnings
from .identifiers import DeaNumberCheck, dea_number_check, npi_check, npi_is_valid
from .programmes import (
    EffectiveDate,
    Programme,
    ProgrammeVersion,
    get_programme,
    register,
    registered_codes,
    unregister,
)
from .serialise import canonical_json, facts_from_jsonable, fingerprint, to_jsonable

__all__ = [
    "ALL_STAGES",
    "DEFAULT_CONFIG",
    "GENERAL_RULES",
    "NEVER_COMPLETED_BY_PHARMACIST",
    "NON_RESIDENT",
    "PRESCRIPTION_ELEMENTS",
    "RESIDENT",
    "AccountHolder",
    "Allergy",
    "Authorisation",
    "Certification",
    "ClinicalFacts",
    "Ingredient",
    "Interaction",
    "InteractionLevel",
    "InteractionSource",
    "OtherMedicine",
    "is_dur",
    "needs_documented_override",
    "screen",
    "Config",
    "DeaNumberCheck",
    "Drug",
    "EffectiveDate",
    "Expiry",
    "Facts",
    "Finding",
    "Licence",
    "OtherPrescription",
    "Patient",
    "PharmacyFacts",
    "PrescriptionFacts",
    "Prescriber",
    "Programme",
    "ProgrammeVersion",
    "Severity",
    "Stage",
    "blocks",
    "canonical_json",
    "days",
    "dea_number_check",
    "evaluate",
    "facts_from_jsonable",
    "fingerprint",
    "get_programme",
    "months",
    "npi_check",
    "npi_is_valid",
    "passes",
    "register",
    "registered_codes",
    "rules_for",
    "to_jsonable",
    "unregister",
    "warnings",
]
