"""Rule building blocks shared by programmes (RULES.md 4). A programme module
instantiates them with its own code, names, caps and sources; nothing here
knows any particular programme.

Each block is a small frozen dataclass with ``rule_id``, ``source``,
``stages`` and ``__call__(facts, ctx) -> findings``, so it is a rule like the
decorated functions of the general rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..context import NOTHING, Context, age_on, number_text
from ..facts import ALL_STAGES, Authorisation, Facts, Stage
from ..findings import Finding, Severity
from ..wording import CustomerText, gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN
PHARMACIST_STAGES = frozenset({Stage.VERIFY, Stage.DISPENSE})
DISPENSE_ONLY = frozenset({Stage.DISPENSE})


def programme_authorisation(facts: Facts, code: str) -> Authorisation | None:
    auth = facts.authorisation
    return auth if auth is not None and auth.programme == code else None


@dataclass(frozen=True, slots=True, kw_only=True)
class PharmacyCertified:
    """The pharmacy is certified (activated) in the programme on the
    evaluation date, with a named responsible pharmacist: BLOCK otherwise, at
    every stage. WARN at VERIFY/DISPENSE within ``Config.reactivation_warning_days``
    of the reactivation due date (which is still a certified day)."""

    code: str
    programme_name: str
    rule_id: str
    source: str
    timezone: str = "America/New_York"
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        on = ctx.date_in(self.timezone)
        active = []
        reason = "there is no certification on file"
        for cert in facts.pharmacy.certifications:
            if cert.programme != self.code:
                continue
            if cert.activated_on > on:
                reason = f"activation starts {cert.activated_on.isoformat()}"
            elif cert.reactivation_due is not None and on > cert.reactivation_due:
                reason = f"reactivation was due {cert.reactivation_due.isoformat()}"
            elif not cert.responsible_pharmacist.strip():
                reason = "no responsible pharmacist is named"
            else:
                active.append(cert)
        if not active:
            return (
                Finding(
                    self.rule_id,
                    BLOCK,
                    f"The pharmacy is not certified in {self.programme_name}: {reason}."
                    " No product of this programme may be sold or dispensed.",
                    gettext_noop("This medicine is temporarily unavailable from our pharmacy."),
                    self.source,
                ),
            )
        best = max(active, key=lambda c: c.reactivation_due or date.max)
        due = best.reactivation_due
        if due is None or ctx.stage not in PHARMACIST_STAGES:
            return NOTHING
        left = (due - on).days
        if left > ctx.config.reactivation_warning_days:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                WARN,
                f"{self.programme_name} reactivation is due {due.isoformat()} ({left} day(s) left);"
                f" responsible pharmacist {best.responsible_pharmacist}.",
                gettext_noop("Our pharmacist is reviewing your order."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorisationPresent:
    """An authorisation of this programme, with a number, is on file at the
    stages in ``required_at`` (BLOCK). An authorisation of another programme is
    always a BLOCK."""

    code: str
    programme_name: str
    label: str
    rule_id: str
    source: str
    required_at: frozenset
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = facts.authorisation
        if auth is not None and auth.programme != self.code:
            return (
                Finding(
                    self.rule_id,
                    BLOCK,
                    f"The authorisation on file is for programme {auth.programme!r}, not {self.programme_name}.",
                    gettext_noop("Our pharmacist is completing a required safety-programme step."),
                    self.source,
                ),
            )
        if ctx.stage not in self.required_at or (auth is not None and auth.number.strip()):
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"No {self.programme_name} {self.label} is recorded. Obtain one before"
                f" {'dispensing' if ctx.stage is Stage.DISPENSE else 'going on'} and record its number.",
                gettext_noop("Our pharmacist is completing a required safety-programme step."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorisationObtained:
    """At ``required_at`` the programme's authorisation records who obtained
    it and when (``Authorisation.obtained_by``, ``obtained_at``), not after the
    moment of the evaluation: a number copied from a document, with no
    pharmacist and time, is not an authorisation obtained for this fill
    (BLOCK)."""

    code: str
    programme_name: str
    label: str
    rule_id: str
    source: str
    required_at: frozenset = DISPENSE_ONLY
    stages: frozenset = DISPENSE_ONLY

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = programme_authorisation(facts, self.code)
        if auth is None or not auth.number.strip() or ctx.stage not in self.required_at:
            return NOTHING  # a missing authorisation is AuthorisationPresent's finding
        missing = []
        if not (auth.obtained_by or "").strip():
            missing.append("which pharmacist obtained it")
        if auth.obtained_at is None:
            missing.append("when it was obtained")
        if missing:
            problem = " and ".join(missing) + " is not recorded"
        elif auth.obtained_at > facts.moment:
            problem = f"it is recorded as obtained at {auth.obtained_at.isoformat()}, after this dispense"
        else:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"{self.programme_name} {self.label} {auth.number}: {problem}. The dispensing pharmacist obtains the"
                f" {self.label} from {self.programme_name} and records it before dispensing.",
                gettext_noop("Our pharmacist is completing a required safety-programme step."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AuthorisationMatchesPrescription:
    """The quantity and days' supply dispensed are exactly those authorised
    (BLOCK on a difference; the fix is to reverse the authorisation and get a
    new one). At ``values_required_at`` an authorisation without them is also
    a BLOCK; elsewhere only recorded values are compared."""

    code: str
    programme_name: str
    label: str
    rule_id: str
    source: str
    values_required_at: frozenset = DISPENSE_ONLY
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = programme_authorisation(facts, self.code)
        rx = facts.prescription
        if auth is None or rx is None:
            return NOTHING
        problems = []
        required = ctx.stage in self.values_required_at
        if auth.quantity is None:
            if required:
                problems.append("the authorised quantity is not recorded")
        elif auth.quantity != rx.quantity:
            problems.append(
                f"quantity {number_text(rx.quantity)} differs from the {number_text(auth.quantity)} authorised"
            )
        if auth.days_supply is None:
            if required:
                problems.append("the authorised days' supply is not recorded")
        elif auth.days_supply != rx.days_supply:
            problems.append(f"days' supply {rx.days_supply} differs from the {auth.days_supply} authorised")
        if not problems:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"{self.programme_name} {self.label} {auth.number}: "
                + "; ".join(problems)
                + f". Record what was authorised, or reverse the {self.label} and obtain a new one.",
                gettext_noop("Our pharmacist is completing a required safety-programme step."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class DispenseByDate:
    """Dispense on or before the authorisation's "do not dispense after"
    date, compared as calendar dates in ``timezone`` (the window closes at
    23:59 there). The programme's date is used as given, never recomputed.

    - The date is required at ``date_required_at`` (BLOCK if absent), except
      for risk categories in ``no_window_for`` (a programme with no window):
      then a WARN, so the pharmacist confirms in the programme that the
      authorisation really carries no date.
    - Past the date: BLOCK at CHECKOUT and DISPENSE, WARN at VERIFY; the
      pharmacist must reverse the authorisation.
    - Mail order (``check_delivery``): a carrier-promised delivery after the
      date is a BLOCK; at DISPENSE an unknown delivery date is a WARN, because
      whether "dispense" means release or delivery is not settled. These
      findings carry ``delivery_rule_id`` (default ``rule_id``): a late parcel
      is mended by a faster shipping method, a closed window only by a new
      authorisation, and the dispense step must tell them apart.
    - With ``check_delivery`` the rule also runs at SHIP, on the parcel's
      promised delivery date: a parcel may leave days after the dispense.
      A window closed by then, or a parcel promised after the date, is a BLOCK.
    """

    code: str
    programme_name: str
    label: str
    rule_id: str
    source: str
    timezone: str = "America/New_York"
    date_required_at: frozenset = frozenset()
    no_window_for: frozenset = frozenset()
    check_delivery: bool = False
    delivery_rule_id: str = ""
    stages: frozenset = ALL_STAGES

    def __post_init__(self) -> None:
        if self.check_delivery:  # the parcel's delivery date is checked again when it leaves
            object.__setattr__(self, "stages", frozenset(self.stages) | {Stage.SHIP})

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        auth = programme_authorisation(facts, self.code)
        if auth is None:
            return NOTHING
        last = auth.do_not_dispense_after
        delivery_rule_id = self.delivery_rule_id or self.rule_id
        stage = ctx.stage
        if last is None:
            if stage not in self.date_required_at:
                return NOTHING
            if auth.risk_category in self.no_window_for:
                # No window for this category, but the pharmacist must still
                # look: the date is the programme's to give, never ours to infer.
                return (
                    Finding(
                        self.rule_id,
                        WARN,
                        f"{self.label} {auth.number} has no 'do not dispense after' date recorded. For a patient"
                        f" who cannot get pregnant {self.programme_name} sets no dispense window; confirm in"
                        f" {self.programme_name} that the {self.label} shows no date (if it shows one, record it;"
                        " never compute it).",
                        gettext_noop("Our pharmacist is completing a required safety-programme step."),
                        self.source,
                    ),
                )
            return (
                Finding(
                    self.rule_id,
                    BLOCK,
                    f"{self.label} {auth.number} has no 'do not dispense after' date recorded. Copy it from"
                    f" {self.programme_name}; never compute it.",
                    gettext_noop("Our pharmacist is completing a required safety-programme step."),
                    self.source,
                ),
            )
        on = ctx.date_in(self.timezone)
        if on > last:
            return (
                Finding(
                    self.rule_id,
                    WARN if stage is Stage.VERIFY else BLOCK,
                    f"{self.label} {auth.number} says do not dispense after {last.isoformat()}; it is now"
                    f" {on.isoformat()} ({self.timezone}). Do not dispense: reverse the {self.label} and return"
                    " the stock; a new authorisation is needed.",
                    CustomerText(
                        gettext_noop(
                            "The time allowed to dispense this medicine ended on %(last)s."
                            " Your prescriber and the safety programme need to authorise a new fill;"
                            " we will not charge you."
                        ),
                        last=last.isoformat(),
                    ),
                    self.source,
                ),
            )
        if not self.check_delivery or stage is Stage.VERIFY:
            return NOTHING
        delivery: date | None = facts.promised_delivery_on
        if delivery is None:
            if stage not in (Stage.DISPENSE, Stage.SHIP):
                return NOTHING
            return (
                Finding(
                    delivery_rule_id,
                    WARN,
                    f"No promised delivery date is recorded; ship only if delivery is promised on or before"
                    f" {last.isoformat()} ({self.label} {auth.number}).",
                    gettext_noop("Our pharmacist is choosing a delivery option that arrives in time."),
                    self.source,
                ),
            )
        if delivery <= last:
            return NOTHING
        return (
            Finding(
                delivery_rule_id,
                BLOCK,
                f"Promised delivery {delivery.isoformat()} is after the {self.label}'s do-not-dispense-after date"
                f" {last.isoformat()} ({self.label} {auth.number}). Choose a faster shipping method that arrives"
                f" by {last.isoformat()}, or the patient needs a new {self.label}.",
                CustomerText(
                    gettext_noop(
                        "The chosen delivery would arrive after %(last)s, the last day this medicine may be"
                        " supplied. Please choose a faster delivery option."
                    ),
                    last=last.isoformat(),
                ),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class SupplyCap:
    """Days' supply is recorded and at most ``max_days`` (BLOCK)."""

    programme_name: str
    max_days: int
    rule_id: str
    source: str
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        rx = facts.prescription
        if rx is None:
            return NOTHING
        if rx.days_supply is None:
            return (
                Finding(
                    self.rule_id,
                    BLOCK,
                    f"Days' supply is not recorded; {self.programme_name} allows at most {self.max_days} days.",
                    gettext_noop("Our pharmacist is confirming how long your supply should last."),
                    self.source,
                ),
            )
        if rx.days_supply <= self.max_days:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"Days' supply {rx.days_supply} exceeds the {self.programme_name} cap of {self.max_days} days.",
                CustomerText(
                    gettext_noop(
                        "This medicine can be supplied for at most %(days)s days at a time; your prescriber"
                        " needs to write a new prescription."
                    ),
                    days=self.max_days,
                ),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class NoRefills:
    """The prescription has no refills (BLOCK): each fill needs a new one."""

    programme_name: str
    rule_id: str
    source: str
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        rx = facts.prescription
        if rx is None or not rx.refills or rx.refills <= 0:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"{self.programme_name} allows no refills; this prescription has {rx.refills}. Each fill needs"
                " a new prescription.",
                gettext_noop(
                    "This medicine cannot be refilled; each month needs a new prescription from your prescriber."
                ),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MedicationGuideRecorded:
    """At DISPENSE the Medication Guide is recorded as supplied (BLOCK
    shipment until it is attached; 21 CFR 208.24)."""

    programme_name: str
    rule_id: str
    source: str
    stages: frozenset = DISPENSE_ONLY

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        if facts.medication_guide_recorded:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                BLOCK,
                f"The Medication Guide ({self.programme_name}) is not recorded as attached. Attach it before shipping.",
                gettext_noop("We include the Medication Guide with your medicine."),
                self.source,
            ),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class MinimumAge:
    """WARN when the patient is younger than the programme's minimum age."""

    programme_name: str
    age: int
    rule_id: str
    source: str
    stages: frozenset = ALL_STAGES

    def __call__(self, facts: Facts, ctx: Context) -> tuple[Finding, ...]:
        patient = facts.patient
        if patient is None or patient.date_of_birth is None:
            return NOTHING
        years = age_on(patient.date_of_birth, ctx.today)
        if years >= self.age:
            return NOTHING
        return (
            Finding(
                self.rule_id,
                WARN,
                f"The patient is {years}; {self.programme_name} products are approved for age {self.age} and over."
                " Confirm with the prescriber and record the reason.",
                gettext_noop("Our pharmacist is reviewing this medicine for the patient's age."),
                self.source,
            ),
        )
