"""Drug-utilisation review in the rule core (OBRA '90 prospective DUR, RULES.md 6.1):
interactions by severity, allergies to an ingredient or a class, therapeutic
duplication, conditions cross-referenced to a programme, overrides, and
matching by codes, never by names."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import (
    ALL_STAGES,
    Allergy,
    Finding,
    Ingredient,
    InteractionLevel,
    Severity,
    Stage,
    evaluate,
    facts_from_jsonable,
    fingerprint,
    needs_documented_override,
    passes,
    screen,
    to_jsonable,
)
from compliance.core.facts import BREASTFEEDING, PREGNANT

from .builders import (
    DOXYCYCLINE_INGREDIENT,
    DOXYCYCLINE_RXCUI,
    ISOTRETINOIN_INGREDIENT,
    ISOTRETINOIN_RXCUI,
    MINOCYCLINE_INGREDIENT,
    change,
    doxycycline_dispense,
    doxycycline_medicine,
    interaction,
    isotretinoin_screened,
)

INTERACTION_ID = f"dur.interaction:{ISOTRETINOIN_RXCUI}+{DOXYCYCLINE_RXCUI}"


def dur(findings) -> list[Finding]:
    return [f for f in findings if f.rule_id.startswith("dur.")]


def only(findings) -> Finding:
    found = dur(findings)
    assert len(found) == 1, found
    return found[0]


# --- Interactions, by severity --------------------------------------------------------------


def test_isotretinoin_with_doxycycline_is_a_contraindication_that_blocks():
    finding = only(evaluate(isotretinoin_screened(interactions=(interaction(),))))
    assert finding.rule_id == INTERACTION_ID
    assert finding.severity is Severity.BLOCK
    assert needs_documented_override(finding)
    assert "Contraindicated" in finding.pharmacist_message
    assert "isotretinoin (RxCUI 6064)" in finding.pharmacist_message
    assert "doxycycline (RxCUI 3640)" in finding.pharmacist_message
    assert "prescription R-DOXY" in finding.pharmacist_message
    assert "Do not combine" in finding.pharmacist_message
    assert finding.source.startswith("ANSM")


@pytest.mark.parametrize(
    "level", [InteractionLevel.NOT_RECOMMENDED, InteractionLevel.PRECAUTION, InteractionLevel.TAKE_INTO_ACCOUNT]
)
def test_every_lesser_level_warns_and_needs_no_override_of_a_block(level):
    finding = only(evaluate(isotretinoin_screened(interactions=(interaction(level),))))
    assert finding.severity is Severity.WARN
    assert not needs_documented_override(finding)
    assert level.label.capitalize() in finding.pharmacist_message


def test_a_contraindication_the_source_grades_by_circumstance_warns_for_the_pharmacist_to_confirm():
    finding = only(evaluate(isotretinoin_screened(interactions=(interaction(conditional=True),))))
    assert finding.severity is Severity.WARN
    assert "confirm" in finding.pharmacist_message


def test_french_source_text_is_marked_as_french():
    item = interaction(InteractionLevel.PRECAUTION, language="fr", summary="Risque.", management="Surveiller.")
    message = only(evaluate(isotretinoin_screened(interactions=(item,)))).pharmacist_message
    assert "Source text (in French): Risque." in message
    assert "(in French): Surveiller." in message


@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_the_contraindication_blocks_at_review_checkout_and_dispense(stage):
    facts = isotretinoin_screened(stage=stage, interactions=(interaction(),))
    assert INTERACTION_ID in {f.rule_id for f in evaluate(facts) if f.severity is Severity.BLOCK}
    assert not passes(dur(evaluate(facts)))


@pytest.mark.parametrize("stage", [Stage.CHECKOUT, Stage.DISPENSE])
def test_after_a_documented_override_at_verification_checkout_and_dispense_only_warn(stage):
    facts = isotretinoin_screened(stage=stage, interactions=(interaction(),), overridden={INTERACTION_ID})
    finding = only(evaluate(facts))
    assert finding.severity is Severity.WARN
    assert "overrode this at verification" in finding.pharmacist_message


def test_an_override_recorded_earlier_does_not_excuse_a_new_verification():
    facts = isotretinoin_screened(stage=Stage.VERIFY, interactions=(interaction(),), overridden={INTERACTION_ID})
    assert only(evaluate(facts)).severity is Severity.BLOCK


def test_an_override_of_another_pair_does_not_excuse_this_one():
    facts = isotretinoin_screened(
        stage=Stage.DISPENSE, interactions=(interaction(),), overridden={f"dur.interaction:{ISOTRETINOIN_RXCUI}+6980"}
    )
    assert only(evaluate(facts)).severity is Severity.BLOCK


def test_the_customer_message_never_names_the_interaction():
    finding = only(evaluate(isotretinoin_screened(interactions=(interaction(),))))
    for word in ("doxycycline", "isotretinoin", "intracranial", "contraindicated"):
        assert word not in finding.customer_message.lower()


# --- Allergies -----------------------------------------------------------------------------


def test_an_allergy_to_a_class_covers_its_members():
    """A "tetracyclines" allergy vs doxycycline."""
    facts = change(
        doxycycline_dispense(stage=Stage.VERIFY),
        drug__ingredients=(DOXYCYCLINE_INGREDIENT,),
        clinical=isotretinoin_screened(
            allergy_answer="listed",
            allergies=(Allergy(name="Tetracyclines", drug_class="tetracyclines", reaction="hives"),),
        ).clinical,
    )
    finding = only(evaluate(facts))
    assert finding.rule_id == "dur.allergy:class:tetracyclines"
    assert finding.severity is Severity.BLOCK and needs_documented_override(finding)
    assert "hives" in finding.pharmacist_message


def test_an_allergy_to_the_ingredient_blocks():
    facts = isotretinoin_screened(
        allergy_answer="listed", allergies=(Allergy(name="Isotretinoin", code=ISOTRETINOIN_RXCUI),)
    )
    assert only(evaluate(facts)).rule_id == f"dur.allergy:{ISOTRETINOIN_RXCUI}"


def test_an_intolerance_warns():
    facts = isotretinoin_screened(
        allergy_answer="listed",
        allergies=(Allergy(name="Retinoids", drug_class="retinoids", reaction="nausea", intolerance=True),),
    )
    finding = only(evaluate(facts))
    assert finding.severity is Severity.WARN and "intolerance" in finding.pharmacist_message


def test_an_allergy_to_another_class_finds_nothing():
    facts = isotretinoin_screened(
        allergy_answer="listed", allergies=(Allergy(name="Tetracyclines", drug_class="tetracyclines"),)
    )
    assert dur(evaluate(facts)) == []


# --- Codes, never names ----------------------------------------------------------------------


def test_matching_uses_codes_not_names():
    """An allergy spelt like the drug but coded differently is not a match; one
    with the drug's code but another name is."""
    drug_named_otherwise = Ingredient(code=ISOTRETINOIN_RXCUI, name="Absorica", classes=())
    facts = change(
        isotretinoin_screened(
            allergy_answer="listed",
            allergies=(Allergy(name="isotretinoin", code="999999"),),
        ),
        drug__ingredients=(drug_named_otherwise,),
        drug__name="Isotretinoin",
    )
    assert dur(evaluate(facts)) == []
    facts = change(facts, clinical__allergies=(Allergy(name="Amnesteem", code=ISOTRETINOIN_RXCUI),))
    assert only(evaluate(facts)).rule_id == f"dur.allergy:{ISOTRETINOIN_RXCUI}"


def test_a_medicine_without_codes_is_not_screened_by_its_name():
    named_only = dataclasses.replace(doxycycline_medicine(), name="isotretinoin", ingredients=())
    assert dur(evaluate(isotretinoin_screened(medicines=(named_only,)))) == []


# --- Duplication ---------------------------------------------------------------------------


def test_two_active_prescriptions_of_the_same_class_are_a_duplication():
    """Doxycycline checked while a minocycline prescription is active."""
    facts = change(
        doxycycline_dispense(stage=Stage.VERIFY),
        drug__ingredients=(DOXYCYCLINE_INGREDIENT,),
        clinical=isotretinoin_screened(
            medicines=(doxycycline_medicine("prescription R-MINO", ingredient=MINOCYCLINE_INGREDIENT),)
        ).clinical,
    )
    finding = only(evaluate(facts))
    assert finding.rule_id == "dur.duplication:class:tetracyclines"
    assert finding.severity is Severity.WARN and "R-MINO" in finding.pharmacist_message


def test_the_same_ingredient_twice_is_a_duplication():
    facts = isotretinoin_screened(
        medicines=(doxycycline_medicine("prescription R-ISO-1", ingredient=ISOTRETINOIN_INGREDIENT),)
    )
    assert only(evaluate(facts)).rule_id == f"dur.duplication:{ISOTRETINOIN_RXCUI}"


# --- Conditions, profile -------------------------------------------------------------------


def test_pregnancy_with_a_programme_drug_points_to_the_programme():
    finding = only(evaluate(isotretinoin_screened(conditions={PREGNANT})))
    assert finding.severity is Severity.WARN
    assert "iPLEDGE" in finding.pharmacist_message and "iPLEDGE" in finding.source


def test_pregnancy_with_a_drug_outside_a_programme_is_not_ruled_on_here():
    facts = change(
        doxycycline_dispense(stage=Stage.VERIFY),
        drug__ingredients=(DOXYCYCLINE_INGREDIENT,),
        clinical=isotretinoin_screened(conditions={PREGNANT, BREASTFEEDING}).clinical,
    )
    assert dur(evaluate(facts)) == []


def test_an_outside_medicine_nobody_coded_warns_at_verification_only():
    facts = isotretinoin_screened(unmapped_medicines=("water pill",))
    assert only(evaluate(facts)).rule_id == "dur.profile:unmapped-medicine:1"
    assert dur(evaluate(change(facts, stage=Stage.DISPENSE))) == []


def test_without_clinical_facts_nothing_is_screened():
    facts = dataclasses.replace(isotretinoin_screened(interactions=(interaction(),)), clinical=None)
    assert dur(evaluate(facts)) == []


def test_unknown_condition_and_allergy_answer_are_refused():
    with pytest.raises(ValueError):
        isotretinoin_screened(conditions={"hungry"})
    with pytest.raises(ValueError):
        isotretinoin_screened(allergy_answer="maybe")


# --- The screen and the fingerprint --------------------------------------------------------


class _Source:
    name = "test compendium"

    def __init__(self, table):
        self.table = table

    def ingredient(self, code):
        return None

    def interactions(self, code, other_code):
        return tuple(self.table.get((code, other_code), ()))

    def allergy_classes(self):
        return ()


def test_screen_keeps_the_most_severe_per_pair_and_names_the_medicine():
    source = _Source(
        {
            (ISOTRETINOIN_RXCUI, DOXYCYCLINE_RXCUI): [
                interaction(InteractionLevel.PRECAUTION, other_reference=""),
                interaction(other_reference=""),
            ]
        }
    )
    found = screen(source, (ISOTRETINOIN_INGREDIENT,), (doxycycline_medicine("prescription R-9"),))
    assert [(i.level, i.other_reference) for i in found] == [(InteractionLevel.CONTRAINDICATED, "prescription R-9")]


def test_screen_skips_the_same_ingredient():
    source = _Source({(ISOTRETINOIN_RXCUI, ISOTRETINOIN_RXCUI): [interaction()]})
    medicine = doxycycline_medicine(ingredient=ISOTRETINOIN_INGREDIENT)
    assert screen(source, (ISOTRETINOIN_INGREDIENT,), (medicine,)) == ()


def test_clinical_facts_round_trip_with_the_same_fingerprint():
    facts = isotretinoin_screened(
        allergy_answer="listed",
        allergies=(Allergy(name="Tetracyclines", drug_class="tetracyclines"),),
        conditions={PREGNANT},
        medicines=(doxycycline_medicine(),),
        interactions=(interaction(),),
        overridden={INTERACTION_ID},
    )
    rebuilt = facts_from_jsonable(to_jsonable(facts))
    assert rebuilt == facts
    assert fingerprint(rebuilt) == fingerprint(facts)
    assert fingerprint(change(facts, clinical__overridden=frozenset())) != fingerprint(facts)


@given(
    levels=st.lists(st.sampled_from(list(InteractionLevel)), min_size=1, max_size=4),
    overridden=st.booleans(),
    stage=st.sampled_from(sorted(ALL_STAGES)),
)
def test_only_an_unoverridden_contraindication_blocks(levels, overridden, stage):
    items = tuple(interaction(level, other_code=str(7000 + i)) for i, level in enumerate(levels))
    ids = {f"dur.interaction:{ISOTRETINOIN_RXCUI}+{i.other_code}" for i in items}
    facts = isotretinoin_screened(stage=stage, interactions=items, overridden=ids if overridden else set())
    blocked = {f.rule_id for f in dur(evaluate(facts)) if f.severity is Severity.BLOCK}
    expected = {
        f"dur.interaction:{ISOTRETINOIN_RXCUI}+{i.other_code}"
        for i in items
        if i.level is InteractionLevel.CONTRAINDICATED and not (overridden and stage is not Stage.VERIFY)
    }
    assert blocked == expected
    assert len(dur(evaluate(facts))) == len(items)
