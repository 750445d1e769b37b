"""Online-pharmacy rules: RULES.md 3.1 (valid Rx only), 3.2 (licensed in the
ship-to state), 3.3 (controlled drugs online), 3.7 (ages), and §4 (a drug's
programme must be one we know)."""

from __future__ import annotations

from .context import NOTHING, Context, age_on, rule
from .facts import NON_RESIDENT, Facts, Stage
from .findings import Finding, Severity
from .states import state_name
from .wording import CustomerText, gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

PRESCRIPTION_REQUIRED = "online.prescription-required"
PRESCRIPTION_REQUIRED_SOURCE = "21 USC 353(b)(1); NABP Digital Pharmacy Accreditation standards"


@rule(PRESCRIPTION_REQUIRED, source=PRESCRIPTION_REQUIRED_SOURCE)
def prescription_drug_has_prescription(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 USC 353(b)(1); NABP Digital Pharmacy standards (RULES.md 3.1): no Rx-only item without a prescription, at any stage."""
    if not facts.drug.requires_prescription or facts.prescription is not None:
        return NOTHING
    return (
        Finding(
            PRESCRIPTION_REQUIRED,
            BLOCK,
            f"{facts.drug.name} is prescription-only and no prescription is attached.",
            gettext_noop(
                "This medicine needs a prescription. Upload your prescription and a pharmacist will verify it."
            ),
            PRESCRIPTION_REQUIRED_SOURCE,
        ),
    )


PHARMACIST_VERIFIED = "online.pharmacist-verified"
PHARMACIST_VERIFIED_SOURCE = "21 USC 353(b)(1); NABP Digital Pharmacy Accreditation standards"


@rule(PHARMACIST_VERIFIED, source=PHARMACIST_VERIFIED_SOURCE, stages=(Stage.CHECKOUT, Stage.DISPENSE))
def prescription_verified_by_pharmacist(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 USC 353(b)(1); NABP Digital Pharmacy standards (RULES.md 3.1): an Rx-only item is paid for and dispensed only against a
    prescription a pharmacist has verified."""
    if not facts.drug.requires_prescription or facts.prescription is None or facts.prescription_verified:
        return NOTHING
    return (
        Finding(
            PHARMACIST_VERIFIED,
            BLOCK,
            "The prescription has not been verified by a pharmacist.",
            gettext_noop("A pharmacist must verify your prescription before you can pay for this medicine."),
            PHARMACIST_VERIFIED_SOURCE,
        ),
    )


SHIP_TO_LICENCE = "online.ship-to-licence"
SHIP_TO_LICENCE_SOURCE = "State pharmacy practice acts: resident and non-resident pharmacy licensure"


@rule(SHIP_TO_LICENCE, source=SHIP_TO_LICENCE_SOURCE)
def licensed_in_ship_to_state(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """State pharmacy practice acts (RULES.md 3.2): a prescription drug ships only to a state where the
    pharmacy holds an active (not expired) resident or non-resident licence.

    Runs at CHECKOUT and DISPENSE with the current address, so an address
    changed after verification is checked again; at VERIFY only when an
    address is given. A non-resident licence recorded for a state that issues
    none (Massachusetts) is not accepted. OTC items are not a pharmacy-licence
    matter and are not checked.
    """
    if not facts.drug.requires_prescription:
        return NOTHING
    state = facts.ship_to_state
    if not state:
        if ctx.stage is Stage.VERIFY:
            return NOTHING
        return (
            Finding(
                SHIP_TO_LICENCE,
                BLOCK,
                "No shipping state is known; the licence for the ship-to state cannot be checked.",
                gettext_noop("Please enter a shipping address."),
                SHIP_TO_LICENCE_SOURCE,
            ),
        )
    state = state.upper()
    today = ctx.today
    expired = rejected = False
    for licence in facts.pharmacy.licences:
        if licence.state != state:
            continue
        if licence.kind == NON_RESIDENT and state in ctx.config.states_without_nonresident_licence:
            rejected = True
        elif licence.expires_on < today:
            expired = True
        else:
            return NOTHING
    if rejected:
        why = f"the non-resident licence on file for {state} is not accepted ({state} issues none)"
    elif expired:
        why = f"the licence for {state} has expired"
    else:
        why = f"there is no licence for {state}"
    return (
        Finding(
            SHIP_TO_LICENCE,
            BLOCK,
            f"Cannot ship to {state}: {why}.",
            CustomerText(
                gettext_noop(
                    "We are not able to ship prescription medicines to %(state_name)s (%(state)s): "
                    "we hold no pharmacy licence there. The states we ship to are listed at the bottom of every page."
                ),
                state_name=state_name(state),
                state=state,
            ),
            SHIP_TO_LICENCE_SOURCE,
        ),
    )


CONTROLLED_ONLINE = "online.controlled-substance"
CONTROLLED_ONLINE_SOURCE = "Ryan Haight Online Pharmacy Consumer Protection Act, 21 USC 829(e), 21 USC 831"

#: The DEA schedules, I to V (21 USC 812(c); 21 CFR 1308.11-1308.15).
DEA_SCHEDULES = (1, 2, 3, 4, 5)
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV", 5: "V"}


def is_controlled(schedule: int | None) -> bool:
    """A controlled substance: the product is listed in a DEA schedule
    (21 USC 812; 21 CFR 1308.11-1308.15). ``schedule`` is the product's DEA
    schedule, None for an uncontrolled product. Any recorded value counts,
    even one outside I-V: a schedule we cannot read is treated as controlled
    (fail closed), never as uncontrolled."""
    return schedule is not None


def sold_online(schedule: int | None, *, registered_for_online_controlled: bool) -> bool:
    """The one answer to "may this pharmacy sell this product online?" as far
    as the DEA schedule goes (RULES.md 3.3). The storefront (basket, product
    page), the upload of a prescription and the rules at every stage ask it.

    - Not controlled: yes (the other rules still apply).
    - Schedule I: never, registered or not. A Schedule I substance has "no
      currently accepted medical use in treatment in the United States"
      (21 USC 812(b)(1); listed in 21 CFR 1308.11): it cannot be prescribed,
      so no pharmacy dispenses or sells it.
    - Schedules II to V: only once the pharmacy's DEA registration is modified
      for online dispensing (Ryan Haight Act, 21 USC 829(e) and 831;
      21 CFR 1301.19), i.e. ``registered_for_online_controlled``.
    - A value outside I-V (bad catalogue data): no, fail closed.
    """
    if not is_controlled(schedule):
        return True
    return schedule in (2, 3, 4, 5) and registered_for_online_controlled


@rule(CONTROLLED_ONLINE, source=CONTROLLED_ONLINE_SOURCE)
def controlled_substance_allowed_online(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 3.3 (Ryan Haight Act, 21 USC 829(e)): ``sold_online`` at every
    stage. C-II to C-V are blocked until the pharmacy's DEA registration is
    modified for online dispensing; Schedule I (21 USC 812(b)(1), 21 CFR
    1308.11) is never dispensed."""
    schedule = facts.drug.dea_schedule
    if sold_online(schedule, registered_for_online_controlled=facts.pharmacy.online_controlled_registered):
        return NOTHING
    if schedule not in (2, 3, 4, 5):
        return (
            Finding(
                CONTROLLED_ONLINE,
                BLOCK,
                f"{facts.drug.name} is listed as Schedule {_ROMAN.get(schedule, schedule)}: no accepted medical use"
                " (21 USC 812(b)(1)); it cannot be dispensed.",
                gettext_noop("This product cannot be supplied."),
                CONTROLLED_ONLINE_SOURCE,
            ),
        )
    return (
        Finding(
            CONTROLLED_ONLINE,
            BLOCK,
            f"{facts.drug.name} is Schedule {_ROMAN[schedule]}; the pharmacy is not registered"
            " with DEA for online dispensing of controlled substances.",
            gettext_noop(
                "We cannot supply controlled medicines online yet. Please use a local pharmacy for this prescription."
            ),
            CONTROLLED_ONLINE_SOURCE,
        ),
    )


ACCOUNT_HOLDER_AGE = "online.account-holder-age"
ACCOUNT_HOLDER_AGE_SOURCE = "Pharmacy terms of service: account holders are 18 or older"


@rule(ACCOUNT_HOLDER_AGE, source=ACCOUNT_HOLDER_AGE_SOURCE)
def account_holder_is_adult(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """Pharmacy terms of service, store policy (RULES.md 3.7): the account holder is 18 or older; a minor
    patient is served through a guardian's account. At CHECKOUT and DISPENSE
    the account holder's date of birth must be known; at VERIFY it is checked
    when given."""
    holder = facts.account_holder
    minimum = ctx.config.minimum_account_holder_age
    if holder is None or holder.date_of_birth is None:
        if ctx.stage is Stage.VERIFY:
            return NOTHING
        return (
            Finding(
                ACCOUNT_HOLDER_AGE,
                BLOCK,
                "The account holder's date of birth is not recorded.",
                gettext_noop("Please add your date of birth to your account."),
                ACCOUNT_HOLDER_AGE_SOURCE,
            ),
        )
    age = age_on(holder.date_of_birth, ctx.today)
    if age >= minimum:
        return NOTHING
    return (
        Finding(
            ACCOUNT_HOLDER_AGE,
            BLOCK,
            f"The account holder is {age}; accounts must belong to someone {minimum} or older.",
            CustomerText(
                gettext_noop(
                    "You must be %(minimum)s or older to order. A parent or guardian can order for a patient under %(minimum)s."
                ),
                minimum=minimum,
            ),
            ACCOUNT_HOLDER_AGE_SOURCE,
        ),
    )


PATIENT_MINIMUM_AGE = "online.patient-minimum-age"
PATIENT_MINIMUM_AGE_SOURCE = "FDA-approved prescribing information: approved ages"


@rule(PATIENT_MINIMUM_AGE, source=PATIENT_MINIMUM_AGE_SOURCE)
def patient_meets_product_minimum_age(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """FDA-approved prescribing information (RULES.md 3.7): WARN when the patient is younger than the product's
    minimum age. Skipped when the drug's programme has its own minimum-age rule
    at the same or a higher age, so the pharmacist sees one warning."""
    minimum = facts.drug.minimum_age
    patient = facts.patient
    if minimum is None or patient is None or patient.date_of_birth is None:
        return NOTHING
    version = ctx.programme_version
    if version is not None and version.minimum_age is not None and version.minimum_age >= minimum:
        return NOTHING
    age = age_on(patient.date_of_birth, ctx.today)
    if age >= minimum:
        return NOTHING
    return (
        Finding(
            PATIENT_MINIMUM_AGE,
            WARN,
            f"The patient is {age}; {facts.drug.name} is labelled for age {minimum} and over."
            " Confirm with the prescriber and record the reason.",
            gettext_noop("Our pharmacist is reviewing this medicine for the patient's age."),
            PATIENT_MINIMUM_AGE_SOURCE,
        ),
    )


PROGRAMME_KNOWN = "programme.registered"
PROGRAMME_KNOWN_SOURCE = "FD&C Act 505-1 (REMS), 21 USC 355-1"


@rule(PROGRAMME_KNOWN, source=PROGRAMME_KNOWN_SOURCE)
def programme_is_registered(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """FD&C Act 505-1, 21 USC 355-1: REMS (RULES.md 4): a drug that names a programme we have no module for is
    blocked: its rules cannot be enforced (fail closed)."""
    code = facts.drug.programme
    if code is None or ctx.programme is not None:
        return NOTHING
    return (
        Finding(
            PROGRAMME_KNOWN,
            BLOCK,
            f"{facts.drug.name} belongs to programme {code!r}, which has no rules configured here.",
            gettext_noop("This medicine is not available at the moment."),
            PROGRAMME_KNOWN_SOURCE,
        ),
    )


RULES = (
    prescription_drug_has_prescription,
    prescription_verified_by_pharmacist,
    licensed_in_ship_to_state,
    controlled_substance_allowed_online,
    account_holder_is_adult,
    patient_meets_product_minimum_age,
    programme_is_registered,
)
