"""Is the product the drug that was prescribed? (RULES.md 2.1, 3.1)

A pharmacist verifies a prescription for one product (the drug and strength
as sold); checkout and dispensing then sell and release that product against
it. The product must be the drug, strength and dosage form the prescriber
wrote (21 CFR 1306.05(a) lists them among a prescription's elements), or the
customer would receive a dose or form nobody prescribed.

``product_match_findings`` is the pure comparison; the two rules below run it
inside ``evaluate`` so the result is stored with every evaluation:

- a different strength BLOCKs at every stage (the catalogue entry may change
  after verification: checkout and dispense look again);
- a drug name that is not the product's name, or a different dosage form,
  asks the pharmacist to confirm at VERIFY (WARN): a brand name ("Absorica")
  or a spelling of the form ("caps") may be the same medicine, which only a
  pharmacist can judge and which the override reason then records.

Either side left empty is not judged here: a missing element is
``prescription_rules.prescription_has_required_elements``' finding.
"""

from __future__ import annotations

import re
from decimal import Decimal
from functools import lru_cache

from .context import NOTHING, Context, rule
from .facts import ALL_STAGES, Drug, Facts, PrescriptionFacts, Stage
from .findings import Finding, Severity
from .wording import gettext_noop

BLOCK, WARN = Severity.BLOCK, Severity.WARN

PRODUCT_STRENGTH = "product.strength"
PRODUCT_DRUG = "product.drug"
PRODUCT_DOSAGE_FORM = "product.dosage-form"
SOURCE = "21 CFR 1306.05(a); 21 USC 353(b)(1): dispense the drug as prescribed"

_UNITS = {
    "µg": "mcg",
    "μg": "mcg",
    "ug": "mcg",
    "microgram": "mcg",
    "micrograms": "mcg",
    "milligram": "mg",
    "milligrams": "mg",
    "gram": "g",
    "grams": "g",
    "gm": "g",
    "millilitre": "ml",
    "milliliter": "ml",
    "millilitres": "ml",
    "milliliters": "ml",
    "units": "unit",
    "iu": "unit",
}
_STRENGTH_TOKEN = re.compile(r"\d+(?:\.\d*)?|\.\d+|[^\W\d_]+|%|/")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"[a-z]+")
_SPACES_AND_DOTS = re.compile(r"[\s.]+")

# strength_key, dosage_form_key: pure functions of a short text, run on the
# same few catalogue and prescription texts at every evaluation, so the last
# results are remembered (bounded).


@lru_cache(maxsize=1024)
def strength_key(text: str) -> tuple[str, ...]:
    """A strength as comparable tokens: numbers by value ("5.0" = "5",
    ".5" = "0.5"; "2.5" is never "25"), units by name ("mcg" = "µg"), case
    and spacing ignored ("20mg" = "20 MG")."""
    tokens = []
    text = (text or "").lower()
    if "," in text:
        text = _THOUSANDS.sub("", text)
    for token in _STRENGTH_TOKEN.findall(text):
        if token[0].isdecimal() or token[0] == ".":
            tokens.append(format(Decimal(token).normalize(), "f"))
        else:
            tokens.append(_UNITS.get(token, token))
    return tuple(tokens)


_FORMS = {"tab": "tablet", "cap": "capsule", "soln": "solution", "susp": "suspension", "oint": "ointment"}


@lru_cache(maxsize=1024)
def dosage_form_key(text: str) -> str:
    """A dosage form, case, punctuation and plural ignored, common abbreviations
    spelt out ("Caps." = "capsule"). "Tablet" and "extended-release tablet"
    stay different."""
    words = []
    for word in _WORD.findall((text or "").lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]  # capsules, caps, tabs
        words.append(_FORMS.get(word, word))
    return " ".join(words)


def _letters(text: str) -> str:
    return _SPACES_AND_DOTS.sub("", text or "").lower()


def names_the_drug(written_drug: str, product_drug: str) -> bool:
    """Whether the written drug name names the product's drug (its active
    ingredient, case and spacing ignored): "Isotretinoin 20 mg" names
    isotretinoin; a brand name ("Absorica") does not."""
    return _letters(product_drug) in _letters(written_drug)


def product_match_findings(drug: Drug, prescription: PrescriptionFacts) -> tuple[Finding, ...]:
    """Whether ``drug`` (the product sold) is what ``prescription`` says: the
    strength (BLOCK when different), the drug name and the dosage form (WARN
    when different). Empty on either side is not judged."""
    return _strength_findings(drug, prescription) + _drug_and_form_findings(drug, prescription)


def _strength_findings(drug: Drug, prescription: PrescriptionFacts) -> tuple[Finding, ...]:
    if (
        not prescription.strength.strip()
        or not drug.strength.strip()
        or strength_key(prescription.strength) == strength_key(drug.strength)
    ):
        return NOTHING
    return (
        Finding(
            PRODUCT_STRENGTH,
            BLOCK,
            f"Written strength “{prescription.strength}” differs from the product ({drug.name}, {drug.strength})."
            " Ask the customer to upload a prescription for the right strength, or reject.",
            gettext_noop("Your prescription is for a different strength than the product in your order."),
            SOURCE,
        ),
    )


def _drug_and_form_findings(drug: Drug, prescription: PrescriptionFacts) -> tuple[Finding, ...]:
    found: list[Finding] = []
    if prescription.drug_name.strip() and drug.name.strip() and not names_the_drug(prescription.drug_name, drug.name):
        found.append(
            Finding(
                PRODUCT_DRUG,
                WARN,
                f"Written drug “{prescription.drug_name}” is not named as the product's active ingredient ({drug.name})."
                " Confirm it is the same medicine (brand or generic name).",
                gettext_noop("Our pharmacist is checking that your prescription is for this medicine."),
                SOURCE,
            )
        )
    if (
        prescription.dosage_form.strip()
        and drug.dosage_form.strip()
        and (dosage_form_key(prescription.dosage_form) != dosage_form_key(drug.dosage_form))
    ):
        found.append(
            Finding(
                PRODUCT_DOSAGE_FORM,
                WARN,
                f"Written dosage form “{prescription.dosage_form}” differs from the product's ({drug.dosage_form})."
                " Confirm it is the same form, or ask the prescriber before substituting.",
                gettext_noop("Our pharmacist is checking that your prescription is for this form of the medicine."),
                SOURCE,
            )
        )
    return tuple(found)


@rule(PRODUCT_STRENGTH, source=SOURCE, stages=ALL_STAGES)
def product_strength_is_as_written(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 1306.05(a); 21 USC 353(b)(1) (RULES.md 2.1, 3.1): the product's strength is the written strength, at
    every stage (BLOCK)."""
    if facts.prescription is None:
        return NOTHING
    return _strength_findings(facts.drug, facts.prescription)


@rule(PRODUCT_DRUG, source=SOURCE, stages=(Stage.VERIFY,))
def product_is_the_drug_written(facts: Facts, ctx: Context) -> tuple[Finding, ...]:
    """21 CFR 1306.05(a); 21 USC 353(b)(1) (RULES.md 2.1, 3.1): at verification, the pharmacist confirms a written
    drug name or dosage form that is not the product's (WARN)."""
    if facts.prescription is None:
        return NOTHING
    return _drug_and_form_findings(facts.drug, facts.prescription)


RULES = (product_strength_is_as_written, product_is_the_drug_written)
