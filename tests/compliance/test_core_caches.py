"""The parsers the rules run on every evaluation remember their last results
(issue 25): a remembered result is the one reading the text again gives, the
memory is bounded, and the faster normalisation of directions reads text as
the regular expressions did."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import directions, identifiers, prescription_rules, product_rules

# Text with what the parsers look at: digits, units, punctuation, Unicode spaces.
sig_text = st.text(
    alphabet=st.sampled_from(list("0123456789 .,;:()/-½×abdiqtxmgcpl\t\n\u00a0\u2003\x1cTAB")) | st.characters(),
    max_size=40,
)
# Sig-like text: words the parser knows (and near misses), numbers, separators.
VOCABULARY = sorted(
    {
        *"prn as if when then taper followed until and or to alternate mg mcg g gm gram grams ml milliliter"
        " milliliters millilitre millilitres unit units iu puff puffs drop drops spray sprays patch patches apply"
        " inject inhale instill insert dissolve chew month monthly max maximum up".split(),
        *"needed directed es s x h hr hrs hours q qd qod qam qhs bid tid qid twice once one two three four daily"
        " day a per each every other week weekly qweek qwk morning evening night nightly at bedtime in the time"
        " times take tablet tablets tab caps capsule 1 2 3 4 8 12 24 1/2 0.5 ½ - . , 2x 3x 4x 1x mgs unitz".split(),
    }
)
sig_words = st.lists(
    st.tuples(st.sampled_from(VOCABULARY) | st.text(max_size=3), st.sampled_from([" ", "", "  ", "-", "/", "\t"])),
    max_size=10,
).map(lambda pairs: "".join(word + sep for word, sep in pairs))
CACHED = (
    product_rules.strength_key,
    product_rules.dosage_form_key,
    directions._daily_dose,
    prescription_rules._counted_in_units,
    identifiers._npi_check_digit_is_right,
)


def old_normalise(text: str) -> str:
    text = text.lower().replace("½", " 1/2 ").replace("×", "x")
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)
    text = re.sub(r"[,;:()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@given(sig_text)
def test_directions_are_normalised_as_the_regular_expressions_did(text):
    assert directions._normalise(text) == old_normalise(text)


@given(sig_words | sig_text)
def test_the_quick_refusal_refuses_what_the_regular_expression_does(text):
    text = directions._normalise(text)
    assert directions._refused(text) == (directions._REFUSE.search(text) is not None)


@pytest.mark.parametrize(
    "words", ["as needed", "as directed", "if needed", "when needed", *VOCABULARY, "patches", "millilitres"]
)
def test_each_word_is_refused_as_the_regular_expression_refuses_it(words):
    for text in (f"take 1 tablet daily {words}", f"{words} 1 tab qd", words):
        text = directions._normalise(text)
        assert directions._refused(text) == (directions._REFUSE.search(text) is not None)


FREQUENCY_WITHOUT_LOOKAHEAD = re.compile(directions._FREQUENCY_SOURCE)


@given(sig_words | sig_text)
def test_the_frequency_lookahead_finds_the_same_matches(text):
    text = directions._normalise(text)

    def found(pattern):
        return [(m.span(), m.groupdict()) for m in pattern.finditer(text)]

    assert found(directions._FREQUENCY) == found(FREQUENCY_WITHOUT_LOOKAHEAD)


@pytest.mark.parametrize("parse", CACHED, ids=lambda f: f.__name__)
def test_the_parsers_memory_is_bounded(parse):
    assert 0 < parse.cache_info().maxsize <= 4096


@pytest.mark.parametrize("parse", CACHED, ids=lambda f: f.__name__)
@given(text=sig_words | sig_text)
def test_a_remembered_result_is_the_one_reading_again_gives(parse, text):
    first = outcome(parse, text)
    assert outcome(parse, text) == first == outcome(parse.__wrapped__, text)


def outcome(parse, text):
    """The result, or the error (an error is not remembered: it is raised again)."""
    try:
        return parse(text)
    except Exception as error:  # noqa: BLE001 - e.g. strength_key("¹"): a superscript digit is no Decimal
        return type(error)


def test_daily_dose_still_reads_only_text():
    assert directions.daily_dose(None) is None
    assert directions.daily_dose(["1 tablet daily"]) is None  # not text (and not hashable): no error
    assert directions.daily_dose("1 tablet daily") == 1
