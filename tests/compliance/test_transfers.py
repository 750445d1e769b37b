"""Transfers in (21 CFR 1306.25; 21 CFR 1306.08(e), the 2023 rule): what federal law lets move."""

from __future__ import annotations

from datetime import date

import pytest

from compliance.core.transfers import INITIAL_FILL_TRANSFER_EFFECTIVE, TransferFacts, transfer_findings

TODAY = date(2026, 12, 1)


def facts(**changes) -> TransferFacts:
    values = dict(dea_schedule=4, electronic=True, filled=True, transferred_before=False, fills_remaining=3, on=TODAY)
    values.update(changes)
    return TransferFacts(**values)


def sources(found) -> list[str]:
    return [f.source for f in found]


def test_schedule_iii_to_v_refills_transfer_once():
    assert transfer_findings(facts()) == ()
    refused = transfer_findings(facts(transferred_before=True))
    assert sources(refused) == ["21 CFR 1306.25(a)"] and "once" in refused[0].pharmacist_message


def test_pharmacies_sharing_a_real_time_database_may_transfer_again():
    assert transfer_findings(facts(transferred_before=True, shared_database=True)) == ()


@pytest.mark.parametrize("schedule", [2, 3, 4, 5])
def test_an_unfilled_electronic_prescription_transfers_once_for_its_initial_fill(schedule):
    assert transfer_findings(facts(dea_schedule=schedule, filled=False)) == ()
    again = transfer_findings(facts(dea_schedule=schedule, filled=False, transferred_before=True))
    assert sources(again) == ["21 CFR 1306.08(e)"]


def test_an_unfilled_paper_controlled_prescription_cannot_be_transferred():
    assert sources(transfer_findings(facts(filled=False, electronic=False))) == ["21 CFR 1306.08(e)"]


def test_the_initial_fill_transfer_rule_applies_from_28_august_2023():
    assert INITIAL_FILL_TRANSFER_EFFECTIVE == date(2023, 8, 28)
    assert transfer_findings(facts(filled=False, on=date(2023, 8, 28))) == ()
    assert sources(transfer_findings(facts(filled=False, on=date(2023, 8, 27)))) == ["21 CFR 1306.08(e)"]


def test_a_filled_schedule_ii_prescription_has_nothing_to_transfer():
    assert sources(transfer_findings(facts(dea_schedule=2))) == ["21 CFR 1306.12(a)"]


def test_no_fills_left_nothing_to_transfer():
    assert transfer_findings(facts(fills_remaining=0))


def test_a_non_controlled_prescription_is_left_to_state_law():
    assert transfer_findings(facts(dea_schedule=None, transferred_before=True)) == ()


def test_a_filled_isotretinoin_prescription_has_nothing_to_transfer():
    """iPLEDGE allows no refills: once filled at the other pharmacy, nothing is left to move."""
    refused = transfer_findings(facts(dea_schedule=None, programme="ipledge", fills_remaining=1))
    assert [f.rule_id for f in refused] == ["transfer.programme"] and "iPLEDGE" in refused[0].source
    # Unfilled, it is judged at our verification like any prescription (the programme's rules run there).
    assert transfer_findings(facts(dea_schedule=None, programme="ipledge", filled=False)) == ()
    assert transfer_findings(facts(dea_schedule=None, programme=None, fills_remaining=1)) == ()
