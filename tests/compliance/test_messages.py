"""Messages are for people: no finding a pharmacist or a customer reads cites
one of our own files, and every source names the regulation or the
programme's own document. A table of failing facts makes every rule fire (the
test checks it does), and hypothesis combines the failures."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from compliance.core import (
    GENERAL_RULES,
    Allergy,
    Authorisation,
    Certification,
    Drug,
    InteractionLevel,
    OtherPrescription,
    Stage,
    evaluate,
)
from compliance.core.facts import PREGNANT
from compliance.core.programmes import ipledge, programmes

from .builders import (
    ALPRAZOLAM,
    CLOZAPINE,
    LENALIDOMIDE,
    MINOCYCLINE_INGREDIENT,
    change,
    controlled_dispense,
    doxycycline_dispense,
    doxycycline_medicine,
    et,
    interaction,
    isotretinoin_dispense,
    isotretinoin_screened,
    pharmacy,
)

INTERNAL = re.compile(r"\bRULES\b|\bSTYLE\b|\bARCHITECTURE\b|(?i:\.md\b|\.py\b|compliance/|prescriptions/|/work/)")
# "our" rules, or a bare section number ("1.5", "2.2, 2.5") with no document named.
OUR_SECTION = re.compile(r"\bour\b|\bsection\b|^[\s\d.,]*$", re.IGNORECASE)


def _all_rule_ids() -> set[str]:
    ids = {r.rule_id for r in GENERAL_RULES}
    for programme in programmes():
        for version in programme.versions:
            ids |= {r.rule_id for r in version.rules}
    return ids


def _lenalidomide(**changes):
    facts = change(
        doxycycline_dispense(
            drug=LENALIDOMIDE,
            medication_guide_recorded=True,
            authorisation=Authorisation(programme="lenalidomide", number="LEN-1", risk_category="Adult male"),
        ),
        prescription__drug_name="Lenalidomide",
        prescription__strength="10 mg",
        prescription__quantity=28,
        prescription__days_supply=28,
        prescription__refills=0,
        prescription__directions="1 capsule daily",
        prescription__risk_category="Adult male",
    )
    return change(facts, **changes)


_ISO = isotretinoin_dispense
_DOXY = doxycycline_dispense
_C2 = controlled_dispense

# Each row makes at least one rule fail (name: facts).
FAILING = {
    "no prescription": change(_DOXY(), prescription=None),
    "not verified": change(_DOXY(stage=Stage.CHECKOUT), prescription_verified=False),
    "unknown programme": change(_DOXY(drug=Drug(name="Doxycycline hyclate", strength="100 mg", programme="nope"))),
    "controlled, not registered": change(_C2(), pharmacy=pharmacy()),
    "no ship-to state": change(_DOXY(stage=Stage.CHECKOUT), ship_to_state=None),
    "no licence": change(_DOXY(), ship_to_state="WY"),
    "MA non-resident": change(
        _DOXY(
            pharmacy=pharmacy(
                licences=pharmacy().licences
                + (
                    __import__("compliance.core", fromlist=["Licence"]).Licence(
                        state="MA", kind="non_resident", number="MA-1", expires_on=date(2027, 1, 1)
                    ),
                )
            )
        ),
        ship_to_state="MA",
    ),
    "minor account holder": change(_DOXY(), account_holder__date_of_birth=date(2015, 1, 1)),
    "no account holder dob": change(_DOXY(stage=Stage.CHECKOUT), account_holder__date_of_birth=None),
    "elements missing": change(
        _DOXY(), prescription__drug_name="", prescription__strength="", patient__address_line=""
    ),
    "completed without a note": change(
        _DOXY(), prescription__completed_by_pharmacist=frozenset({"drug_name", "strength"})
    ),
    "e-Rx not EPCS": change(_C2(), prescription__epcs=False),
    "bad NPI": change(_DOXY(), prescriber__npi="1234567890"),
    "NPI not issued": change(_DOXY(), prescriber__npi="3030000003"),
    "bad DEA": change(_C2(), prescriber__dea_number="AB4523767"),
    "post-dated": change(_DOXY(), prescription__date_written=date(2026, 3, 9)),
    "expired": change(_DOXY(), prescription__date_written=date(2024, 1, 2)),
    "C-II refills": change(_C2(), prescription__refills=1),
    "C-IV refills": change(_C2(drug=ALPRAZOLAM), prescription__refills=6),
    "fills used": change(_DOXY(), fills_so_far=3),
    "too early": change(_C2(), prescription__earliest_fill_date=date(2026, 4, 1)),
    "C-II over 90 days": change(
        _C2(),
        prescription__days_supply=60,
        prescription__quantity=120,
        prescription__same_day_schedule_ii=(
            OtherPrescription(reference="RX-0001", days_supply=31, date_written=date(2026, 3, 2)),
        ),
    ),
    "C-II unknown days": change(_C2(), prescription__same_day_schedule_ii=(OtherPrescription(reference="RX-0001"),)),
    "days' supply zero": change(_DOXY(), prescription__days_supply=0),
    "NY cap": change(_C2(), prescription__days_supply=31, prescription__quantity=62),
    "NY cap, no days": change(_C2(), prescription__days_supply=None),
    "quantity vs days": change(_DOXY(), prescription__quantity=90),
    "refill too soon": change(
        _DOXY(), prescription__last_fill_on=date(2026, 3, 1), prescription__last_fill_days_supply=30
    ),
    "medication guide": change(
        _DOXY(
            drug=Drug(
                name="Doxycycline hyclate", strength="100 mg", dosage_form="capsule", medication_guide_required=True
            )
        )
    ),
    "young patient": change(
        _DOXY(drug=Drug(name="Doxycycline hyclate", strength="100 mg", dosage_form="capsule", minimum_age=30))
    ),
    "other strength": change(_DOXY(), prescription__strength="50 mg"),
    "brand and form": change(
        _DOXY(stage=Stage.VERIFY), prescription__drug_name="Vibramycin", prescription__dosage_form="tablet"
    ),
    "iPLEDGE not activated": _ISO(pharmacy=pharmacy(certifications=())),
    "iPLEDGE reactivation due": _ISO(
        pharmacy=pharmacy(
            certifications=(
                Certification(
                    programme="ipledge",
                    activated_on=date(2025, 9, 1),
                    reactivation_due=date(2026, 3, 20),
                    responsible_pharmacist="Dana Whitfield, PharmD",
                ),
            )
        )
    ),
    "no RMA": _ISO(authorisation=None),
    "RMA of another programme": change(_ISO(), authorisation__programme="lenalidomide"),
    "RMA not obtained": change(_ISO(), authorisation__obtained_by=None, authorisation__obtained_at=None),
    "RMA differs": change(_ISO(), authorisation__quantity=20, authorisation__days_supply=None),
    "risk category": change(_ISO(), authorisation__risk_category="maybe"),
    "risk categories differ": change(_ISO(), authorisation__risk_category="cannot"),
    "window passed": _ISO(moment=et(2026, 3, 9, 12)),
    "no RMA date": change(_ISO(), authorisation__do_not_dispense_after=None),
    "cannot, no date, after 2026": change(
        _ISO(moment=et(2026, 9, 1, 12)),
        authorisation__do_not_dispense_after=None,
        authorisation__risk_category="cannot",
        prescription__risk_category="cannot",
        prescription__date_written=date(2026, 8, 25),
    ),
    "late delivery": _ISO(promised_delivery_on=date(2026, 3, 9)),
    "no delivery date": _ISO(promised_delivery_on=None),
    "over 30 days": change(
        _ISO(),
        prescription__days_supply=31,
        authorisation__days_supply=31,
        prescription__quantity=31,
        authorisation__quantity=31,
    ),
    "no days": change(_ISO(), prescription__days_supply=None),
    "iPLEDGE refills": change(_ISO(), prescription__refills=1),
    "blister": change(_ISO(), prescription__quantity=25, authorisation__quantity=25),
    "iPLEDGE guide": _ISO(medication_guide_recorded=False),
    "iPLEDGE under 12": change(_ISO(), patient__date_of_birth=date(2016, 1, 1)),
    "lenalidomide, nothing on file": _lenalidomide(
        pharmacy=pharmacy(certifications=()),
        authorisation=None,
        prescription__risk_category=None,
        prescription__refills=1,
        prescription__telephone=True,
        prescription__days_supply=29,
        prescription__quantity=29,
        medication_guide_recorded=False,
    ),
    "lenalidomide authorisation": _lenalidomide(
        authorisation=Authorisation(
            programme="lenalidomide", number="LEN-1", quantity=20, do_not_dispense_after=date(2026, 3, 1)
        )
    ),
    "lenalidomide no days": _lenalidomide(prescription__days_supply=None),
    "clozapine, 2025": change(
        _DOXY(drug=CLOZAPINE, moment=et(2025, 1, 10, 12)),
        prescription__drug_name="Clozapine",
        prescription__strength="100 mg",
        prescription__dosage_form="tablet",
        prescription__date_written=date(2025, 1, 2),
    ),
    "dur interaction, contraindicated": isotretinoin_screened(
        medicines=(doxycycline_medicine(),), interactions=(interaction(),)
    ),
    "dur interaction, French source text": isotretinoin_screened(
        interactions=(interaction(InteractionLevel.PRECAUTION, language="fr", summary="Risque."),)
    ),
    "dur allergy to a class": isotretinoin_screened(
        allergy_answer="listed", allergies=(Allergy(name="Retinoids", drug_class="retinoids", reaction="rash"),)
    ),
    "dur duplication": isotretinoin_screened(
        medicines=(
            doxycycline_medicine(),
            doxycycline_medicine("prescription R-ISO", ingredient=MINOCYCLINE_INGREDIENT),
        ),
    ),
    "dur duplication, same ingredient": change(
        isotretinoin_screened(),
        clinical__medicines=(
            doxycycline_medicine("from elsewhere", ingredient=isotretinoin_screened().drug.ingredients[0]),
        ),
    ),
    "dur pregnancy": isotretinoin_screened(conditions={PREGNANT}),
    "dur unmapped medicine": isotretinoin_screened(unmapped_medicines=("the blue pill",)),
    "mycophenolate": change(
        _DOXY(
            drug=Drug(name="Mycophenolate mofetil", strength="500 mg", dosage_form="tablet", programme="mycophenolate")
        ),
        prescription__drug_name="Mycophenolate mofetil",
        prescription__strength="500 mg",
        prescription__dosage_form="tablet",
    ),
}


def _messages_are_for_people(findings) -> None:
    for f in findings:
        for text in (f.pharmacist_message, f.customer_message, f.source):
            assert not INTERNAL.search(text), (f.rule_id, text)
        assert not OUR_SECTION.search(f.source), (f.rule_id, f.source)
        assert f.source.strip() and f.pharmacist_message.strip() and f.customer_message.strip()


def test_the_table_makes_every_rule_fire():
    fired = set()
    for facts in FAILING.values():
        for stage in Stage:
            fired |= {f.rule_id for f in evaluate(change(facts, stage=stage))}
        fired |= {f.rule_id for f in evaluate(facts, config=ipledge.with_mod_2026_effective(date(2026, 1, 1)))}
    # A finding's id is its rule's, or the rule's followed by ":" and what it is about
    # (drug-utilisation review: "dur.interaction:6064+3640").
    fired = {rule_id.split(":", 1)[0] for rule_id in fired}
    assert _all_rule_ids() - fired == set()


@pytest.mark.parametrize("name", sorted(FAILING))
@pytest.mark.parametrize("stage", list(Stage))
def test_no_message_cites_our_own_files(name, stage):
    findings = evaluate(change(FAILING[name], stage=stage))
    _messages_are_for_people(findings)


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(sorted(FAILING)), st.sampled_from(list(Stage)), st.data())
def test_failures_combined_still_read_as_messages_for_people(name, stage, data):
    """A failing row with some of another row's prescription changed too."""
    facts = change(FAILING[name], stage=stage)
    other = FAILING[data.draw(st.sampled_from(sorted(FAILING)))]
    if other.prescription is not None and facts.prescription is not None:
        field = data.draw(
            st.sampled_from(
                [
                    "quantity",
                    "days_supply",
                    "directions",
                    "refills",
                    "date_written",
                    "strength",
                    "earliest_fill_date",
                    "same_day_schedule_ii",
                ]
            )
        )
        facts = change(facts, **{f"prescription__{field}": getattr(other.prescription, field)})
    _messages_are_for_people(evaluate(facts))
