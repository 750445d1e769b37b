"""General prescription validity: RULES.md 2.1 (elements), 2.2 (dates and
refills) and 2.5 (days' supply). 2.3/2.4 are in ``identifiers``."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from functools import lru_cache

from . import refills
from .config import C2, C34, DEFAULT_CONFIG, Config, schedule_class
from .context import NOTHING, Context, number_text, rule
from .directions import daily_dose
from .facts import (
    DATE_WRITTEN,
    DIRECTIONS,
    DOSAGE_FORM,
    DRUG_NAME,
    NEVER_COMPLETED_BY_PHARMACIST,
    PATIENT_ADDRESS,
    PATIENT_DATE_OF_BIRTH,
    PATIENT_NAME,
    PRESCRIBER_ADDRESS,
    PRESCRIBER_DEA_NUMBER,
    PRESCRIBER_NAME,
    PRESCRIBER_NPI,
    QUANTITY,
    REFILLS,
    SIGNATURE,
    STRENGTH,
    Facts,
    Stage,
)
from .findings import Finding, Severity
from .online_rules import is_controlled
from .product_rules import dosage_form_key
from .wording import CustomerText, gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

ELEMENT_LABELS = {
    PATIENT_NAME: "patient's full name",
    PATIENT_ADDRESS: "patient's address",
    PATIENT_DATE_OF_BIRTH: "patient's date of birth",
    PRESCRIBER_NAME: "prescriber's name",
    PRESCRIBER_ADDRESS: "prescriber's address",
    PRESCRIBER_NPI: "prescriber's NPI",
    PRESCRIBER_DEA_NUMBER: "prescriber's DEA number",
    DRUG_NAME: "drug name",
    STRENGTH: "strength",
    DOSAGE_FORM: "dosage form",
    QUANTITY: "quantity",
    DIRECTIONS: "directions",
    REFILLS: "number of refills",
    DATE_WRITTEN: "date of issue",
    SIGNATURE: "prescriber's signature",
}

_ELEMENT_ORDER = tuple(ELEMENT_LABELS)


def _labels(names) -> str:
    return ", ".join(ELEMENT_LABELS[n] for n in _ELEMENT_ORDER if n in names)


# ---------------------------------------------------------------- 2.1

REQUIRED_ELEMENTS = "rx.required-elements"
REQUIRED_ELEMENTS_SOURCE = "21 CFR 1306.05(a); state prescription requirements"


def missing_elements(facts: Facts) -> set[str]:
    """The 2.1 elements that are empty in the facts."""
    rx = facts.prescription
    missing: set[str] = set()
    patient, prescriber = facts.patient, facts.prescriber
    if patient is None:
        missing |= {PATIENT_NAME, PATIENT_ADDRESS, PATIENT_DATE_OF_BIRTH}
    else:
        if not patient.full_name.strip():
            missing.add(PATIENT_NAME)
        if not patient.address_line.strip():
            missing.add(PATIENT_ADDRESS)
        if patient.date_of_birth is None:
            missing.add(PATIENT_DATE_OF_BIRTH)
    if prescriber is None:
        missing |= {PRESCRIBER_NAME, PRESCRIBER_ADDRESS, PRESCRIBER_NPI}
        if is_controlled(facts.drug.dea_schedule):
            missing.add(PRESCRIBER_DEA_NUMBER)
    else:
        if not prescriber.name.strip():
            missing.add(PRESCRIBER_NAME)
        if not prescriber.address.strip():
            missing.add(PRESCRIBER_ADDRESS)
        if not prescriber.npi:
            missing.add(PRESCRIBER_NPI)
        if is_controlled(facts.drug.dea_schedule) and not prescriber.dea_number:
            missing.add(PRESCRIBER_DEA_NUMBER)
    if not rx.drug_name.strip():
        missing.add(DRUG_NAME)
    if not rx.strength.strip():
        missing.add(STRENGTH)
    if not rx.dosage_form.strip():
        missing.add(DOSAGE_FORM)
    if rx.quantity is None or rx.quantity <= 0:
        missing.add(QUANTITY)
    if not rx.directions.strip():
        missing.add(DIRECTIONS)
    if rx.refills is None or rx.refills < 0:
        missing.add(REFILLS)
    if rx.date_written is None:
        missing.add(DATE_WRITTEN)
    if not rx.signed:
        missing.add(SIGNATURE)
    return missing


@rule(REQUIRED_ELEMENTS, source=REQUIRED_ELEMENTS_SOURCE)
def prescription_has_required_elements(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 2.1: every element is present (21 CFR 1306.05; patient's date
    of birth to match identity; DEA number only for a controlled drug).

    The pharmacist may complete an element after contacting the prescriber and
    recording a note, but never the drug name, the patient's name or the
    signature: those need a new prescription. An element listed in
    ``completed_by_pharmacist`` counts as present only with a note.
    """
    rx = facts.prescription
    if rx is None:
        return NOTHING
    found: list[Finding] = []
    missing = missing_elements(facts)
    if missing:
        never = missing & NEVER_COMPLETED_BY_PHARMACIST
        fixable = missing - never
        parts = []
        if never:
            parts.append(
                f"{_labels(never)} missing; this cannot be completed by the pharmacist, a new prescription is needed"
            )
        if fixable:
            parts.append(f"{_labels(fixable)} missing; contact the prescriber, complete it and record a note")
        found.append(
            Finding(
                REQUIRED_ELEMENTS,
                BLOCK,
                "Prescription incomplete: " + "; ".join(parts) + ".",
                (
                    gettext_noop(
                        "Your prescription is missing some details. Our pharmacist will contact your prescriber"
                        " or ask you for a new prescription."
                    )
                    if never
                    else gettext_noop(
                        "Your prescription is missing some details. Our pharmacist will contact your prescriber."
                    )
                ),
                REQUIRED_ELEMENTS_SOURCE,
            )
        )
    completed = rx.completed_by_pharmacist
    if completed:
        forbidden = completed & NEVER_COMPLETED_BY_PHARMACIST
        if forbidden:
            found.append(
                Finding(
                    REQUIRED_ELEMENTS,
                    BLOCK,
                    f"The {_labels(forbidden)} may not be completed by the pharmacist; a new prescription is needed.",
                    gettext_noop("We need a new prescription from your prescriber."),
                    REQUIRED_ELEMENTS_SOURCE,
                )
            )
        if not rx.completion_note.strip():
            found.append(
                Finding(
                    REQUIRED_ELEMENTS,
                    BLOCK,
                    f"The {_labels(completed)} were completed by the pharmacist without a note of the call to the"
                    " prescriber. Record who confirmed what, and when.",
                    gettext_noop("Our pharmacist is confirming details with your prescriber."),
                    REQUIRED_ELEMENTS_SOURCE,
                )
            )
    return tuple(found)


SIGNATURE_RULE = "rx.signature"
SIGNATURE_SOURCE = "21 CFR 1306.05(a); 21 CFR 1311 (EPCS)"


@rule(SIGNATURE_RULE, source=SIGNATURE_SOURCE)
def controlled_erx_is_epcs(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 2.1: an electronic prescription for a controlled drug must be
    signed through EPCS (21 CFR 1311)."""
    rx = facts.prescription
    if rx is None or not is_controlled(facts.drug.dea_schedule) or not rx.electronic or rx.epcs:
        return NOTHING
    return (
        Finding(
            SIGNATURE_RULE,
            BLOCK,
            "Electronic prescription for a controlled substance was not signed through EPCS (21 CFR 1311).",
            gettext_noop(
                "Your prescription for a controlled medicine must be sent by your prescriber through a certified"
                " electronic system. Please ask them to resend it."
            ),
            SIGNATURE_SOURCE,
        ),
    )


# ---------------------------------------------------------------- 2.2

DATE_OF_ISSUE = "rx.date-of-issue"
DATE_OF_ISSUE_SOURCE = "21 CFR 1306.05(a): dated as of the day issued"


@rule(DATE_OF_ISSUE, source=DATE_OF_ISSUE_SOURCE)
def date_of_issue_not_in_future(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 1306.05(a), dated as of the day issued (RULES.md 2.2): no post-dated prescriptions (date of issue <= today, in
    the pharmacy's time zone)."""
    rx = facts.prescription
    if rx is None or rx.date_written is None or rx.date_written <= ctx.today:
        return NOTHING
    return (
        Finding(
            DATE_OF_ISSUE,
            BLOCK,
            f"Date of issue {rx.date_written.isoformat()} is after today ({ctx.today.isoformat()}):"
            " post-dated prescriptions cannot be filled.",
            gettext_noop(
                "The date on your prescription is in the future. Our pharmacist will contact your prescriber."
            ),
            DATE_OF_ISSUE_SOURCE,
        ),
    )


EXPIRY = "rx.expiry"
EXPIRY_SOURCE = "21 CFR 1306.22(a); state prescription expiry laws"


def last_fill_day(facts: Facts, ctx: Context) -> tuple[date, str] | None:
    """The last day the prescription may be filled and why, or None if it
    does not expire. Federal C-III/IV 6 months; otherwise the per-state table
    (default per schedule class) for every applicable state, strictest wins."""
    written = facts.prescription.date_written
    cls = schedule_class(facts.drug.dea_schedule)
    config = ctx.config
    table, default = config.expiry_by_state, config.expiry_default.get(cls)
    # Sorted: ``ctx.states`` is a set, and on a tie the state named in the
    # message must not depend on the hash seed.
    states = sorted(ctx.states)
    candidates = []
    for state in states:
        key = (cls, state)
        candidates.append((table[key] if key in table else default, state))
    if not states:
        candidates.append((default, "default"))
    if cls == C34:
        candidates.append((config.federal_c34_expiry, "federal, 21 CFR 1306.22"))
    best = None
    for expiry, why in candidates:
        if expiry is None:
            continue
        day = expiry.last_valid_day(written)
        if best is None or day < best[0]:
            best = (day, expiry, why)
    return None if best is None else (best[0], f"{best[1].describe()} ({best[2]})")


def last_day_to_fill(facts: Facts, config: Config = DEFAULT_CONFIG) -> date | None:
    """The last day the prescription may be filled: its expiry (RULES.md 2.2,
    ``last_fill_day``) or the RMA's "do not dispense after" date (RULES.md
    1.5), whichever comes first; None when neither applies. Written onto a
    verified prescription so the checkout can say when it lapses."""
    if facts.prescription is None or facts.prescription.date_written is None:
        return None
    found = last_fill_day(facts, Context(facts, config))
    day = found[0] if found else None
    dnd = facts.authorisation.do_not_dispense_after if facts.authorisation else None
    if dnd is not None and (day is None or dnd < day):
        day = dnd
    return day


@rule(EXPIRY, source=EXPIRY_SOURCE)
def prescription_not_expired(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 2.2: the fill is on or before the last valid day.

    Non-controlled: per state, default 365 days (NC none, CA 1 year). C-II: no
    federal expiry; per state (NC, VA 6 months, HI 7 days) and, where a state
    is silent, 6 months by default (a careful choice: a C-II older than that is
    not filled here). C-III/IV: 6 calendar months (21 CFR 1306.22) or stricter
    state law. C-V: per state, default 365 days. The states considered are the
    ship-to, patient and pharmacy home states; the earliest last day wins.
    """
    rx = facts.prescription
    if rx is None or rx.date_written is None:
        return NOTHING
    last = last_fill_day(facts, ctx)
    if last is None or ctx.today <= last[0]:
        return NOTHING
    return (
        Finding(
            EXPIRY,
            BLOCK,
            f"Prescription dated {rx.date_written.isoformat()} expired after {last[0].isoformat()}"
            f" (valid {last[1]}); today is {ctx.today.isoformat()}. A new prescription is needed.",
            gettext_noop("Your prescription has expired. Please ask your prescriber for a new one."),
            EXPIRY_SOURCE,
        ),
    )


REFILLS_RULE = "rx.refills"
REFILLS_SOURCE = "21 CFR 1306.12(a); 21 CFR 1306.22(a)"


@rule(REFILLS_RULE, source=REFILLS_SOURCE)
def refills_within_limits(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 2.2: C-II has no refills (21 CFR 1306.12(a)); C-III/IV at most
    5 refills (1306.22). At CHECKOUT and DISPENSE a prescription whose fills
    (1 + refills) are used up cannot be filled again."""
    rx = facts.prescription
    if rx is None or rx.refills is None:
        return NOTHING
    found: list[Finding] = []
    cls = schedule_class(facts.drug.dea_schedule)
    if cls == C2 and rx.refills > 0:
        found.append(
            Finding(
                REFILLS_RULE,
                BLOCK,
                f"A Schedule II prescription cannot have refills; this one has {rx.refills}.",
                gettext_noop("This medicine cannot be refilled; each supply needs a new prescription."),
                REFILLS_SOURCE,
            )
        )
    elif cls == C34 and rx.refills > ctx.config.c34_max_refills:
        found.append(
            Finding(
                REFILLS_RULE,
                BLOCK,
                f"A Schedule III/IV prescription may have at most {ctx.config.c34_max_refills} refills;"
                f" this one has {rx.refills}.",
                gettext_noop(
                    "Your prescription allows more refills than the law permits. Our pharmacist will contact your prescriber."
                ),
                REFILLS_SOURCE,
            )
        )
    if ctx.stage is not Stage.VERIFY and facts.fills_so_far >= 1 + max(rx.refills, 0):
        found.append(
            Finding(
                REFILLS_RULE,
                BLOCK,
                f"All fills are used: {facts.fills_so_far} dispensed of 1 + {rx.refills} refill(s).",
                gettext_noop(
                    "There are no refills left on this prescription. Please ask your prescriber for a new one."
                ),
                REFILLS_SOURCE,
            )
        )
    return tuple(found)


EARLIEST_FILL = "rx.earliest-fill-date"
EARLIEST_FILL_SOURCE = "21 CFR 1306.12(b)(1)(ii)"


@rule(EARLIEST_FILL, source=EARLIEST_FILL_SOURCE, stages=(Stage.DISPENSE,))
def not_before_earliest_fill_date(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """RULES.md 2.2: one of several C-II prescriptions (up to 90 days in all,
    21 CFR 1306.12(b)) is not dispensed before its earliest fill date. Applied
    to any prescription that carries such a date."""
    rx = facts.prescription
    if rx is None or rx.earliest_fill_date is None or ctx.today >= rx.earliest_fill_date:
        return NOTHING
    return (
        Finding(
            EARLIEST_FILL,
            BLOCK,
            f"The prescriber wrote 'do not fill before {rx.earliest_fill_date.isoformat()}'; today is"
            f" {ctx.today.isoformat()}.",
            CustomerText(
                gettext_noop("This prescription can be filled from %(date)s."), date=rx.earliest_fill_date.isoformat()
            ),
            EARLIEST_FILL_SOURCE,
        ),
    )


SCHEDULE_II_TOTAL = "rx.schedule-ii-90-days"
SCHEDULE_II_TOTAL_SOURCE = "21 CFR 1306.12(b)"
SCHEDULE_II_MAX_TOTAL_DAYS = 90


@rule(SCHEDULE_II_TOTAL, source=SCHEDULE_II_TOTAL_SOURCE)
def schedule_ii_same_day_total(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 1306.12(b) (RULES.md 2.2): a prescriber may issue several Schedule
    II prescriptions for a patient on the same day only if together they
    supply at most 90 days, and each one except the first to be filled gives
    the earliest date it may be filled (1306.12(b)(1)(ii)). BLOCK when the
    total of this prescription and the others of
    ``PrescriptionFacts.same_day_schedule_ii`` exceeds 90 days or cannot be
    worked out (a days' supply is missing), and when more than one of them has
    no earliest fill date. The earliest date itself is
    ``not_before_earliest_fill_date``'s check, at dispense."""
    rx = facts.prescription
    if rx is None or schedule_class(facts.drug.dea_schedule) != C2 or not rx.same_day_schedule_ii:
        return NOTHING
    others = sorted(rx.same_day_schedule_ii, key=lambda o: (o.earliest_fill_date or date.min, o.reference))
    issued = rx.date_written.isoformat() if rx.date_written else "the same day"
    found: list[Finding] = []
    unknown = [o.reference for o in others if o.days_supply is None]
    if rx.days_supply is None:
        unknown.insert(0, "this prescription")
    if unknown:
        found.append(
            Finding(
                SCHEDULE_II_TOTAL,
                BLOCK,
                f"{len(others) + 1} Schedule II prescriptions were issued on {issued} by this prescriber for this"
                f" patient; the days' supply of {', '.join(unknown)} is not recorded, so the"
                f" {SCHEDULE_II_MAX_TOTAL_DAYS}-day total cannot be checked.",
                gettext_noop("Our pharmacist is confirming how long your supply should last."),
                SCHEDULE_II_TOTAL_SOURCE,
            )
        )
    else:
        total = rx.days_supply + sum(o.days_supply for o in others)
        if total > SCHEDULE_II_MAX_TOTAL_DAYS:
            listed = ", ".join(f"{o.reference} ({o.days_supply} days)" for o in others)
            found.append(
                Finding(
                    SCHEDULE_II_TOTAL,
                    BLOCK,
                    f"Schedule II prescriptions issued on {issued} by this prescriber total {total} days' supply"
                    f" (this one {rx.days_supply} days; {listed}); at most {SCHEDULE_II_MAX_TOTAL_DAYS} days are"
                    " allowed. Contact the prescriber.",
                    CustomerText(
                        gettext_noop(
                            "Together, the prescriptions written that day for this medicine supply more than"
                            " %(days)s days. Our pharmacist will contact your prescriber."
                        ),
                        days=SCHEDULE_II_MAX_TOTAL_DAYS,
                    ),
                    SCHEDULE_II_TOTAL_SOURCE,
                )
            )
    undated = [o.reference for o in others if o.earliest_fill_date is None]
    if rx.earliest_fill_date is None and undated:
        found.append(
            Finding(
                SCHEDULE_II_TOTAL,
                BLOCK,
                f"This prescription and {', '.join(undated)} (Schedule II, issued on {issued}) give no earliest"
                " fill date: only the first to be filled may go without one. Ask the prescriber for the"
                " 'do not fill before' dates.",
                gettext_noop("Our pharmacist is confirming with your prescriber when each prescription may be filled."),
                SCHEDULE_II_TOTAL_SOURCE,
            )
        )
    return tuple(found)


# ---------------------------------------------------------------- 2.5

DAYS_SUPPLY = "rx.days-supply"
DAYS_SUPPLY_SOURCE = "State controlled-substance supply limits (e.g. New York Public Health Law, Article 33)"


@rule(DAYS_SUPPLY, source=DAYS_SUPPLY_SOURCE)
def days_supply_within_state_cap(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """State controlled-substance supply limits, e.g. New York Public Health Law
    Article 33 (RULES.md 2.5): days' supply is at least 1, and a controlled fill stays
    within the state cap (e.g. NY 30 days) of every applicable state. When a
    cap applies the days' supply must be recorded. Programme caps are the
    programme's own rule. (NY's 3-month allowance for listed conditions is not
    modelled: such a fill is blocked and needs the pharmacist's manual route.)"""
    rx = facts.prescription
    if rx is None:
        return NOTHING
    if rx.days_supply is not None and rx.days_supply <= 0:
        return (
            Finding(
                DAYS_SUPPLY,
                BLOCK,
                f"Days' supply {rx.days_supply} is not a positive number of days; confirm it from the directions.",
                gettext_noop("Our pharmacist is confirming how long your supply should last."),
                DAYS_SUPPLY_SOURCE,
            ),
        )
    if not is_controlled(facts.drug.dea_schedule):
        return NOTHING
    caps = ctx.config.controlled_days_supply_cap_by_state
    cap = None
    for state in sorted(ctx.states):  # a tie names the same state in every process
        limit = caps.get(state)
        if limit is not None and (cap is None or limit < cap[0]):
            cap = (limit, state)
    if cap is None:
        return NOTHING
    if rx.days_supply is None:
        return (
            Finding(
                DAYS_SUPPLY,
                BLOCK,
                f"Days' supply is not recorded; {cap[1]} caps controlled fills at {cap[0]} days.",
                gettext_noop("Our pharmacist is confirming how long your supply should last."),
                DAYS_SUPPLY_SOURCE,
            ),
        )
    if rx.days_supply > cap[0]:
        return (
            Finding(
                DAYS_SUPPLY,
                BLOCK,
                f"Days' supply {rx.days_supply} exceeds the {cap[1]} cap of {cap[0]} days for a controlled substance.",
                CustomerText(
                    gettext_noop("This medicine can be supplied for at most %(days)s days at a time."), days=cap[0]
                ),
                DAYS_SUPPLY_SOURCE,
            ),
        )
    return NOTHING


QUANTITY_DAYS_SUPPLY = "rx.quantity-days-supply"
QUANTITY_DAYS_SUPPLY_SOURCE = "42 CFR 456.705(b): prospective drug review for incorrect dosage or duration"
#: Days' supply may differ from quantity / daily dose by this share, or by
#: ``QUANTITY_DAYS_SUPPLY_MIN_DAYS`` days if that is larger (rounding a
#: partial last day, a 28- or 31-day month).
QUANTITY_DAYS_SUPPLY_TOLERANCE = Decimal("0.10")
QUANTITY_DAYS_SUPPLY_MIN_DAYS = 1
_COUNTED_FORMS = frozenset({"tablet", "capsule", "pill", "caplet", "softgel", "lozenge"})


@lru_cache(maxsize=1024)
def _counted_in_units(dosage_form: str) -> bool:
    """A dosage form counted in units (a tablet, a capsule), or none given."""
    form = set(dosage_form_key(dosage_form).split())
    return not form or bool(form & _COUNTED_FORMS)


@rule(QUANTITY_DAYS_SUPPLY, source=QUANTITY_DAYS_SUPPLY_SOURCE, stages=(Stage.VERIFY, Stage.DISPENSE))
def quantity_matches_days_supply(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 CFR 456.705(b) (prospective drug review screens for incorrect dosage
    or duration; RULES.md 2.5, days' supply = quantity / daily dose): when the
    quantity, the days' supply and directions this core can read
    (``directions.daily_dose``) are all given, quantity / daily dose must be
    the days' supply within 10 % or one day, whichever is larger (WARN at
    VERIFY and DISPENSE). Directions it cannot read, or a dosage form that is
    not counted in units (a cream, a solution), give no finding: the
    pharmacist reads them."""
    rx = facts.prescription
    if rx is None or not rx.quantity or rx.quantity <= 0 or not rx.days_supply or rx.days_supply <= 0:
        return NOTHING
    if not _counted_in_units(rx.dosage_form):
        return NOTHING
    per_day = daily_dose(rx.directions)
    if per_day is None:
        return NOTHING
    lasts = Decimal(rx.quantity) / per_day
    allowed = max(QUANTITY_DAYS_SUPPLY_TOLERANCE * rx.days_supply, Decimal(QUANTITY_DAYS_SUPPLY_MIN_DAYS))
    if abs(lasts - rx.days_supply) <= allowed:
        return NOTHING
    return (
        Finding(
            QUANTITY_DAYS_SUPPLY,
            WARN,
            f"Quantity {number_text(rx.quantity)} at {number_text(per_day.quantize(Decimal('0.01')))} unit(s) a"
            f" day (“{rx.directions.strip()}”) lasts {number_text(lasts.quantize(Decimal('0.1')))} days, not the"
            f" {rx.days_supply} days' supply recorded. Check the quantity, days' supply and directions with the"
            " prescriber, and record the reason.",
            gettext_noop("Our pharmacist is checking the quantity and directions on your prescription."),
            QUANTITY_DAYS_SUPPLY_SOURCE,
        ),
    )


REFILL_TOO_SOON = "rx.refill-too-soon"
REFILL_TOO_SOON_SOURCE = refills.REFILL_TOO_SOON_SOURCE


@rule(REFILL_TOO_SOON, source=REFILL_TOO_SOON_SOURCE, stages=(Stage.CHECKOUT, Stage.DISPENSE))
def refill_not_too_soon(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """Payer refill-too-soon practice, NCPDP reject code 79 (RULES.md 2.5, 6.2): a refill
    before the share of the last fill's days' supply set for the drug's schedule
    (``compliance.core.refills.earliest_refill_date``) has passed. At CHECKOUT the
    customer cannot order it yet (BLOCK: the same date the "Refill" button shows);
    at DISPENSE the pharmacist may still release an early refill, with a reason (WARN)."""
    rx = facts.prescription
    if rx is None:
        return NOTHING
    earliest = refills.earliest_refill_date(
        rx.last_fill_on, rx.last_fill_days_supply, facts.drug.dea_schedule, ctx.config
    )
    if earliest is None or ctx.today >= earliest:
        return NOTHING
    elapsed = (ctx.today - rx.last_fill_on).days
    if ctx.stage is Stage.CHECKOUT:
        return (
            Finding(
                REFILL_TOO_SOON,
                BLOCK,
                f"Refill ordered {elapsed} day(s) after the last fill of {rx.last_fill_days_supply} days'"
                f" supply ({rx.last_fill_on.isoformat()}); allowed from {earliest.isoformat()}.",
                f"It is too soon to refill this prescription: you can order it from {earliest:%B} {earliest.day},"
                f" {earliest.year}.",
                REFILL_TOO_SOON_SOURCE,
            ),
        )
    return (
        Finding(
            REFILL_TOO_SOON,
            WARN,
            f"Refill {elapsed} day(s) after the last fill of {rx.last_fill_days_supply} days'"
            f" supply ({rx.last_fill_on.isoformat()}). Review before dispensing and record the reason.",
            gettext_noop("Our pharmacist is reviewing the timing of this refill."),
            REFILL_TOO_SOON_SOURCE,
        ),
    )


MEDICATION_GUIDE = "rx.medication-guide"
MEDICATION_GUIDE_SOURCE = "21 CFR 208.24"


@rule(MEDICATION_GUIDE, source=MEDICATION_GUIDE_SOURCE, stages=(Stage.DISPENSE,))
def medication_guide_supplied(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 208.24 (RULES.md 1.8): a drug that has a Medication Guide ships
    with it. Skipped when the drug's programme has its own Medication Guide
    rule, so the pharmacist sees one finding."""
    if not facts.drug.medication_guide_required or facts.medication_guide_recorded:
        return NOTHING
    version = ctx.programme_version
    if version is not None and version.medication_guide_required and not version.retired:
        return NOTHING
    return (
        Finding(
            MEDICATION_GUIDE,
            BLOCK,
            f"The Medication Guide for {facts.drug.name} is not recorded as attached. Attach it before shipping.",
            gettext_noop("We include the Medication Guide with your medicine."),
            MEDICATION_GUIDE_SOURCE,
        ),
    )


RULES = (
    prescription_has_required_elements,
    controlled_erx_is_epcs,
    date_of_issue_not_in_future,
    prescription_not_expired,
    refills_within_limits,
    not_before_earliest_fill_date,
    schedule_ii_same_day_total,
    days_supply_within_state_cap,
    quantity_matches_days_supply,
    refill_not_too_soon,
    medication_guide_supplied,
)
