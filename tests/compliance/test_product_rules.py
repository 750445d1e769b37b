"""The product is the drug, strength and dosage form written (RULES.md 2.1, 3.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import ALL_STAGES, Drug, PrescriptionFacts, Severity, Stage, evaluate
from compliance.core.product_rules import (
    PRODUCT_DOSAGE_FORM,
    PRODUCT_DRUG,
    PRODUCT_STRENGTH,
    dosage_form_key,
    names_the_drug,
    product_match_findings,
    strength_key,
)

from .builders import change, isotretinoin_dispense

ISOTRETINOIN_20 = Drug(name="Isotretinoin", strength="20 mg", dosage_form="Capsule", programme="ipledge")


def written(**values) -> PrescriptionFacts:
    return PrescriptionFacts(**{"drug_name": "Isotretinoin", "strength": "20 mg", "dosage_form": "capsule", **values})


def ids(findings) -> list[str]:
    return [f.rule_id for f in findings]


def test_the_product_written_matches():
    assert product_match_findings(ISOTRETINOIN_20, written()) == ()


@pytest.mark.parametrize("strength", ["20mg", "20 MG", "20.0 mg", " 20  mg "])
def test_the_same_strength_spelt_differently_matches(strength):
    assert product_match_findings(ISOTRETINOIN_20, written(strength=strength)) == ()


@pytest.mark.parametrize("strength", ["40 mg", "2 mg", "20 mcg", "200 mg", "20 mg/5 ml"])
def test_a_different_strength_blocks(strength):
    [finding] = product_match_findings(ISOTRETINOIN_20, written(strength=strength))
    assert finding.rule_id == PRODUCT_STRENGTH and finding.severity is Severity.BLOCK
    assert "different strength" in finding.customer_message


def test_a_decimal_point_is_never_dropped():
    """2.5 mg is not 25 mg (a tenfold dose), and 0.5 mg is not 5 mg."""
    assert strength_key("2.5 mg") != strength_key("25 mg")
    assert strength_key("0.5 mg") != strength_key("5 mg")
    assert strength_key(".5 mg") == strength_key("0.5 mg") == strength_key("0.50 MG")
    assert strength_key("100 µg") == strength_key("100 mcg") == strength_key("100mcg")
    assert strength_key("1,000 mg") == strength_key("1000 mg")


def test_a_brand_name_asks_the_pharmacist_to_confirm():
    [finding] = product_match_findings(ISOTRETINOIN_20, written(drug_name="Absorica"))
    assert finding.rule_id == PRODUCT_DRUG and finding.severity is Severity.WARN
    assert names_the_drug("isotretinoin 20 mg capsules", "Isotretinoin")


@pytest.mark.parametrize("form", ["capsule", "Capsules", "caps", "Cap.", "CAPSULE"])
def test_the_same_dosage_form_spelt_differently_matches(form):
    assert product_match_findings(ISOTRETINOIN_20, written(dosage_form=form)) == ()


@pytest.mark.parametrize("form", ["tablet", "extended-release capsule", "oral solution"])
def test_a_different_dosage_form_asks_the_pharmacist_to_confirm(form):
    [finding] = product_match_findings(ISOTRETINOIN_20, written(dosage_form=form))
    assert finding.rule_id == PRODUCT_DOSAGE_FORM and finding.severity is Severity.WARN


def test_tablet_and_extended_release_tablet_differ():
    assert dosage_form_key("Tabs") == dosage_form_key("tablet")
    assert dosage_form_key("tablet") != dosage_form_key("tablet, extended release")


def test_an_empty_side_is_left_to_the_required_elements_rule():
    assert product_match_findings(ISOTRETINOIN_20, written(strength="", dosage_form="", drug_name="")) == ()
    assert product_match_findings(Drug(name="Isotretinoin"), written(strength="40 mg", dosage_form="tablet")) == ()


@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_a_different_strength_blocks_at_every_stage(stage):
    facts = change(isotretinoin_dispense(stage=stage), prescription__strength="40 mg")
    assert PRODUCT_STRENGTH in ids(evaluate(facts))


@pytest.mark.parametrize("stage, asked", [(Stage.VERIFY, True), (Stage.CHECKOUT, False), (Stage.DISPENSE, False)])
def test_the_name_and_form_are_confirmed_once_at_verification(stage, asked):
    facts = change(
        isotretinoin_dispense(stage=stage), prescription__drug_name="Absorica", prescription__dosage_form="tablet"
    )
    found = ids(evaluate(facts))
    assert (PRODUCT_DRUG in found) is asked and (PRODUCT_DOSAGE_FORM in found) is asked


@given(st.text())
def test_any_written_strength_is_read_without_crashing(text):
    """A superscript digit ("10⁵ units") once raised decimal.InvalidOperation inside evaluate."""
    assert strength_key(text) == strength_key(text)


def test_a_superscript_digit_is_a_word_not_a_number():
    assert strength_key("10⁵ units") == ("10", "⁵", "unit")
    assert strength_key("¹") == ("¹",)
