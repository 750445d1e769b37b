"""The bundled interaction source (the ANSM thesaurus, demonstration data):
record counts, known pairs, English for every pair involving a catalogue
drug, determinism."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from compliance.core import InteractionLevel
from compliance.interactions import interaction_source
from compliance.interactions.ansm import DATA_DIR, AnsmThesaurus, demo_source, normalise
from shop.storefront import demo_catalogue

ISOTRETINOIN, DOXYCYCLINE, MINOCYCLINE, TETRACYCLINE = "6064", "3640", "6980", "10395"
TRAMADOL, SERTRALINE, WARFARIN, IBUPROFEN, VITAMIN_A = "10689", "36437", "11289", "5640", "1367187"


@pytest.fixture(scope="module")
def source() -> AnsmThesaurus:
    return demo_source()


def test_record_counts(source):
    assert len(source.rows) == 3139
    assert len(source.substances) == 1081  # 1,084 entries, three spelt twice
    assert len(source.codes) == 1073
    assert {level for row in source.rows for level, _ in row.levels} == set(InteractionLevel)


@pytest.mark.parametrize(
    "code, other, level",
    [
        (ISOTRETINOIN, DOXYCYCLINE, InteractionLevel.CONTRAINDICATED),
        (ISOTRETINOIN, MINOCYCLINE, InteractionLevel.CONTRAINDICATED),
        (ISOTRETINOIN, TETRACYCLINE, InteractionLevel.CONTRAINDICATED),
        (DOXYCYCLINE, ISOTRETINOIN, InteractionLevel.CONTRAINDICATED),
        (ISOTRETINOIN, VITAMIN_A, InteractionLevel.CONTRAINDICATED),
        (TRAMADOL, SERTRALINE, InteractionLevel.TAKE_INTO_ACCOUNT),
        (WARFARIN, IBUPROFEN, InteractionLevel.NOT_RECOMMENDED),
    ],
)
def test_known_pairs(source, code, other, level):
    (found,) = source.interactions(code, other)
    assert (found.drug_code, found.other_code, found.level) == (code, other, level)
    assert found.source.startswith("ANSM") and "demonstration" in found.source


def test_no_interaction_between_isotretinoin_and_tramadol(source):
    assert source.interactions(ISOTRETINOIN, TRAMADOL) == ()


def test_the_catalogue_pair_has_an_english_summary_and_the_rest_keep_the_french_text(source):
    (pair,) = source.interactions(ISOTRETINOIN, DOXYCYCLINE)
    assert pair.language == "en" and "intracranial" in pair.summary
    (other,) = source.interactions(WARFARIN, IBUPROFEN)
    assert other.language == "fr" and "hémorragique" in other.summary


def _catalogue_codes() -> set[str]:
    return {
        code.strip()
        for *_, attributes, _info in demo_catalogue.PRODUCTS
        for code in attributes.get("ingredient_codes", "").split(",")
        if code.strip()
    }


def test_every_catalogue_drug_is_coded_and_known_to_the_source(source):
    prescription_only = [a for *_, a, _i in demo_catalogue.PRODUCTS if a.get("requires_prescription")]
    assert all(a.get("ingredient_codes") for a in prescription_only)
    assert {c: source.ingredient(c) is not None for c in _catalogue_codes()} == dict.fromkeys(_catalogue_codes(), True)


def test_every_pair_involving_a_catalogue_drug_has_an_english_summary(source):
    """Every thesaurus row that a catalogue drug (or one of its classes) is part of."""
    entries = set().union(*(source._entries(code) for code in _catalogue_codes()))
    rows = [row for row in source.rows if row.main in entries or row.plus in entries]
    assert len(rows) > 30
    missing = {f"{row.main} + {row.plus}" for row in rows if source._interaction(row, "x", "y").language != "en"}
    assert missing == set()


def test_classes_and_names_are_english(source):
    assert source.ingredient(DOXYCYCLINE).classes == {"tetracyclines"}
    assert source.ingredient(ISOTRETINOIN).name == "isotretinoin"
    assert "tetracyclines" in source.allergy_classes()
    assert source.ingredient("0") is None


def test_normalise_removes_accents_ligatures_and_case():
    assert normalise("RÉTINOÏDES") == normalise("rétinoides") == "retinoides"
    assert normalise("Cœur  ") == "coeur"


def test_loading_twice_gives_the_same_answers():
    first, second = AnsmThesaurus(), AnsmThesaurus()
    assert first.rows == second.rows
    assert first.interactions(TRAMADOL, SERTRALINE) == second.interactions(TRAMADOL, SERTRALINE)


def test_the_data_files_are_the_ones_recorded_in_the_provenance():
    provenance = (DATA_DIR / "PROVENANCE.md").read_text(encoding="utf-8")
    for name in ("thesaurus-2020-10.json", "substances-2020-10.json", "rxnorm-mappings.tsv"):
        digest = hashlib.sha256(Path(DATA_DIR / name).read_bytes()).hexdigest()
        assert f"{digest}  {name}" in provenance


def test_the_setting_picks_the_source(settings):
    assert interaction_source().name.startswith("ANSM")
    settings.DUR_INTERACTION_SOURCE = "tests.compliance.test_ansm_source.fixed_source"
    assert interaction_source().name == "a licensed compendium"


class _Licensed:
    name = "a licensed compendium"


def fixed_source():
    return _Licensed()
