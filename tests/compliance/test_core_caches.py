"""The parsers the rules run on every evaluation remember their last results
(issue 25): a remembered result is the one reading the text again gives, the
memory is bounded, and the faster normalisation of directions reads text as
the regular expressions did."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from compliance.core import directions, product_rules

# Text with what the parsers look at: digits, units, punctuation, Unicode spaces.
sig_text = st.text(
    alphabet=st.sampled_from(list("0123456789 .,;:()/-½×abdiqtxmgcpl\t\n\u00a0\u2003\x1cTAB")) | st.characters(),
    max_size=40,
)
CACHED = (product_rules.strength_key, product_rules.dosage_form_key, directions._daily_dose)


def old_normalise(text: str) -> str:
    text = text.lower().replace("½", " 1/2 ").replace("×", "x")
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", "", text)
    text = re.sub(r"[,;:()]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


@given(sig_text)
def test_directions_are_normalised_as_the_regular_expressions_did(text):
    assert directions._normalise(text) == old_normalise(text)


@pytest.mark.parametrize("parse", CACHED, ids=lambda f: f.__name__)
def test_the_parsers_memory_is_bounded(parse):
    assert 0 < parse.cache_info().maxsize <= 4096


@pytest.mark.parametrize("parse", CACHED, ids=lambda f: f.__name__)
@given(text=sig_text)
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
