"""Drug-utilisation review (DUR): is this drug safe for this patient? (RULES.md 6.1)

OBRA '90 (42 USC 1396r-8(g)(2)(A)) asks the pharmacist, before each new
prescription is dispensed, to screen for drug–drug interactions, drug–allergy
interactions, therapeutic duplication and drug–disease contraindications; the
states extend it to every patient. This module is that screen, on facts only:
``Facts.clinical`` carries the patient's profile, their other medicines and
the interactions an ``InteractionSource`` found (the lookup happens before the
rules run, so the evaluation's fingerprint covers the data the pharmacist saw
and an inspector can re-run it without the source).

Everything matches on ingredient codes (RxNorm ingredient RxCUI) and on the
source's classes, never on product titles or names.

Severity (RULES.md 6.1): a contraindication, or an allergy (not an
intolerance) to the drug or its class, is a BLOCK that only a pharmacist's
documented override lets through (``needs_documented_override``); every other
finding is a WARN the pharmacist acknowledges with a reason. Once overridden at
verification (``ClinicalFacts.overridden``) the finding reads as a WARN at
checkout and dispense, so the override is visible but does not stop the sale
it was made for.

What the customer reads never names the interaction: the pharmacist contacts
them (the review's ask-the-customer loop).
"""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from .context import NOTHING, Context, rule
from .facts import (
    ALL_STAGES,
    PREGNANT,
    ClinicalFacts,
    Facts,
    Ingredient,
    Interaction,
    InteractionLevel,
    Stage,
)
from .findings import Finding, Severity
from .wording import gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

PREFIX = "dur."
INTERACTION = "dur.interaction"
ALLERGY = "dur.allergy"
DUPLICATION = "dur.duplication"
CONDITION = "dur.condition"
PROFILE = "dur.profile"

OBRA_SOURCE = "OBRA '90 prospective drug use review, 42 USC 1396r-8(g)(2)(A)"
CUSTOMER_MESSAGE = gettext_noop(
    "Our pharmacist is checking this medicine alongside your other medicines and health information,"
    " and may contact you before it can be dispensed."
)


class InteractionSource(Protocol):
    """What a compendium offers the pharmacy (First Databank, Medi-Span, or the
    bundled demonstration data): ingredients in, interactions out.

    ``name`` names the compendium and its edition (it becomes each finding's
    source). ``ingredient`` describes an ingredient code (its name and
    classes), None for a code the source does not know. ``interactions``
    returns what it knows about one pair of ingredient codes, with severity,
    mechanism and management text. ``allergy_classes`` is the vocabulary of
    classes a profile may name an allergy against.
    """

    name: str

    def ingredient(self, code: str) -> Ingredient | None: ...

    def interactions(self, code: str, other_code: str) -> tuple[Interaction, ...]: ...

    def allergy_classes(self) -> tuple[str, ...]: ...


def needs_documented_override(finding: Finding) -> bool:
    """A DUR BLOCK: the pharmacist may verify only with a documented reason."""
    return finding.severity is BLOCK and finding.rule_id.startswith(PREFIX)


def is_dur(finding: Finding) -> bool:
    return finding.rule_id.startswith(PREFIX)


def interaction_id(interaction: Interaction) -> str:
    return f"{INTERACTION}:{interaction.drug_code}+{interaction.other_code}"


def _named(name: str, code: str) -> str:
    return f"{name or 'ingredient'} (RxCUI {code})"


def _block_or_overridden(finding_id: str, clinical: ClinicalFacts, stage: Stage) -> tuple[Severity, str]:
    if finding_id in clinical.overridden and stage is not Stage.VERIFY:
        return WARN, " A pharmacist overrode this at verification with a documented reason."
    return BLOCK, " Verify only with a documented override reason, after checking with the prescriber."


@rule(INTERACTION, source=OBRA_SOURCE, stages=ALL_STAGES)
def no_unreviewed_interaction(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 USC 1396r-8(g)(2)(A) (RULES.md 6.1): each interaction the source found
    between the drug and the patient's other medicines, by the source's level:
    contraindicated BLOCKs (overridable by a pharmacist, with a reason), every
    other level WARNs."""
    clinical = facts.clinical
    if clinical is None:
        return NOTHING
    found = []
    for item in sorted(clinical.interactions, key=lambda i: (i.level.rank, i.drug_code, i.other_code)):
        finding_id = interaction_id(item)
        text = item.summary.strip()
        if item.language != "en":
            text = f"Source text (in French): {text}"
        manage = item.management.strip()
        if manage:
            manage = f" What to do: {manage}" if item.language == "en" else f" Conduite à tenir (in French): {manage}"
        if item.level is InteractionLevel.CONTRAINDICATED and not item.conditional:
            severity, tail = _block_or_overridden(finding_id, clinical, ctx.stage)
        else:
            severity, tail = WARN, " Acknowledge with a reason once you have weighed it."
        graded = item.level.label.capitalize()
        if item.conditional:
            graded += " in some circumstances (the source grades this pair by dose or situation; confirm)"
        found.append(
            Finding(
                finding_id,
                severity,
                f"{graded}: {_named(item.drug_name, item.drug_code)} with {_named(item.other_name, item.other_code)}"
                f" ({item.other_reference}). {text}{manage}{tail}",
                CUSTOMER_MESSAGE,
                item.source or clinical.source or OBRA_SOURCE,
            )
        )
    return tuple(found)


@rule(ALLERGY, source=OBRA_SOURCE, stages=ALL_STAGES)
def no_allergy_to_the_drug(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 USC 1396r-8(g)(2)(A) (RULES.md 6.1): an allergy on the profile to an
    ingredient of the drug, or to a class one of them belongs to (a
    "tetracyclines" allergy covers doxycycline), BLOCKs (overridable by a
    pharmacist, with a reason); an intolerance WARNs."""
    clinical = facts.clinical
    if clinical is None:
        return NOTHING
    found = []
    for allergy in clinical.allergies:
        for ingredient in facts.drug.ingredients:
            if allergy.code is not None and allergy.code == ingredient.code:
                key, why = allergy.code, "the ingredient itself"
            elif allergy.drug_class is not None and allergy.drug_class in ingredient.classes:
                key, why = f"class:{allergy.drug_class}", f"the class “{allergy.drug_class}”"
            else:
                continue
            finding_id = f"{ALLERGY}:{key}"
            kind = "intolerance" if allergy.intolerance else "allergy"
            reaction = f" (reaction: {allergy.reaction})" if allergy.reaction.strip() else ""
            if allergy.intolerance:
                severity, tail = WARN, " Acknowledge with a reason once you have discussed it with the patient."
            else:
                severity, tail = _block_or_overridden(finding_id, clinical, ctx.stage)
            found.append(
                Finding(
                    finding_id,
                    severity,
                    f"The profile records an {kind} to {allergy.name}{reaction}; {_named(ingredient.name, ingredient.code)}"
                    f" matches {why}.{tail}",
                    CUSTOMER_MESSAGE,
                    OBRA_SOURCE,
                )
            )
            break
    return tuple(found)


@rule(DUPLICATION, source=OBRA_SOURCE, stages=ALL_STAGES)
def no_therapeutic_duplication(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 USC 1396r-8(g)(2)(A) (RULES.md 6.1): the same ingredient, or another
    ingredient of the same class, in another active medicine WARNs."""
    clinical = facts.clinical
    if clinical is None:
        return NOTHING
    found: dict[str, Finding] = {}
    for ingredient in facts.drug.ingredients:
        for medicine in clinical.medicines:
            for other in medicine.ingredients:
                if other.code == ingredient.code:
                    finding_id, what = f"{DUPLICATION}:{ingredient.code}", "the same ingredient"
                else:
                    shared = sorted(ingredient.classes & other.classes)
                    if not shared:
                        continue
                    finding_id, what = f"{DUPLICATION}:class:{shared[0]}", f"the same class ({shared[0]})"
                if finding_id in found:
                    continue
                found[finding_id] = Finding(
                    finding_id,
                    WARN,
                    f"Therapeutic duplication: {_named(ingredient.name, ingredient.code)} and {medicine.name}"
                    f" ({medicine.reference}) are {what}. Check that both are meant to be taken.",
                    CUSTOMER_MESSAGE,
                    OBRA_SOURCE,
                )
    return tuple(found.values())


@rule(CONDITION, source=OBRA_SOURCE, stages=(Stage.VERIFY,))
def condition_cross_referenced(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 USC 1396r-8(g)(2)(A) (RULES.md 1.4, 1.10, 6.1): a pregnancy on the
    profile, for a drug whose programme in force assigns pregnancy risk
    categories (the isotretinoin programme), WARNs and points to that programme, whose
    authorisation decides; it does not rule on pregnancy a second time."""
    clinical = facts.clinical
    if clinical is None or PREGNANT not in clinical.conditions:
        return NOTHING
    version = ctx.programme_version
    if ctx.programme is None or version is None or version.retired or not version.risk_categories:
        return NOTHING
    programme = ctx.programme.name
    return (
        Finding(
            f"{CONDITION}:{PREGNANT}",
            WARN,
            f"The profile records a pregnancy. {facts.drug.name} is dispensed under {programme}, which decides"
            " pregnancy testing and the risk category: check the programme's authorisation and contact the"
            " prescriber before going further.",
            CUSTOMER_MESSAGE,
            f"{programme}; {OBRA_SOURCE}",
        ),
    )


@rule(PROFILE, source=OBRA_SOURCE, stages=(Stage.VERIFY,))
def outside_medicines_coded(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """42 USC 1396r-8(g)(2)(A) (RULES.md 6.1): at verification, a medicine from
    elsewhere that is free text no pharmacist has coded was not screened: WARN
    until it is mapped (or the pharmacist records why it does not matter).

    Whether allergies were asked, and a catalogue drug without an ingredient
    code, are shown beside the findings on the review screen rather than
    raised here: they describe the screen, not a risk found by it."""
    clinical = facts.clinical
    if clinical is None:
        return NOTHING
    return tuple(
        Finding(
            f"{PROFILE}:unmapped-medicine:{index + 1}",
            WARN,
            f"“{text}” (a medicine from elsewhere) has no ingredient code, so it was not screened. Map it on"
            " the patient's profile and run the checks again.",
            CUSTOMER_MESSAGE,
            OBRA_SOURCE,
        )
        for index, text in enumerate(clinical.unmapped_medicines)
    )


RULES = (
    no_unreviewed_interaction,
    no_allergy_to_the_drug,
    no_therapeutic_duplication,
    condition_cross_referenced,
    outside_medicines_coded,
)


def screen(source: InteractionSource, drug_ingredients, medicines) -> tuple[Interaction, ...]:
    """The interactions ``source`` knows between the drug's ingredients and
    each ingredient of each other medicine, one per pair of codes (the most
    severe, if the source has several), with the medicine's reference. Pure
    given the source; called by the adapter before the rules run."""
    found: dict[tuple[str, str], Interaction] = {}
    for ingredient in drug_ingredients:
        for medicine in medicines:
            for other in medicine.ingredients:
                if other.code == ingredient.code:
                    continue  # duplication, not an interaction
                for item in source.interactions(ingredient.code, other.code):
                    key = (ingredient.code, other.code)
                    current = found.get(key)
                    if current is None or item.level.rank < current.level.rank:
                        found[key] = _with_reference(item, medicine.reference, ingredient, other)
    return tuple(found[key] for key in sorted(found))


def _with_reference(item: Interaction, reference: str, ingredient: Ingredient, other: Ingredient) -> Interaction:
    return replace(
        item,
        other_reference=reference,
        drug_name=item.drug_name or ingredient.name,
        other_name=item.other_name or other.name,
    )
