"""Pluggable, effective-dated programmes (RULES.md 4)."""

from __future__ import annotations

import dataclasses
import pathlib
import re
from datetime import date

import pytest

from compliance.core import (
    ALL_STAGES,
    Authorisation,
    Drug,
    Finding,
    Programme,
    ProgrammeVersion,
    Severity,
    Stage,
    evaluate,
    get_programme,
    passes,
    register,
    registered_codes,
    unregister,
)
from compliance.core.context import NOTHING

from .builders import CLOZAPINE, LENALIDOMIDE, change, doxycycline_dispense, et, pharmacy, rule_ids

BLOCK, WARN = Severity.BLOCK, Severity.WARN
CORE = pathlib.Path(__file__).resolve().parents[2] / "compliance" / "core"


def test_the_registered_programmes():
    assert set(registered_codes()) >= {"ipledge", "lenalidomide", "clozapine", "mycophenolate"}


def test_an_unknown_code_has_no_programme():
    assert get_programme("thalidomide", date(2026, 3, 5)) is None


def test_a_drug_naming_an_unknown_programme_is_blocked():
    drug = Drug(name="Thalidomide", strength="50 mg", dosage_form="capsule", programme="thalidomide")
    facts = doxycycline_dispense(drug=drug)
    assert "programme.registered" in rule_ids(evaluate(facts), BLOCK)


def test_a_programme_code_cannot_be_registered_twice():
    with pytest.raises(ValueError):
        register(Programme(code="ipledge", name="again", versions=()))


def test_core_code_names_ipledge_only_in_its_module_and_the_registry_import_list():
    offenders = []
    for path in CORE.rglob("*.py"):
        rel = path.relative_to(CORE).as_posix()
        if rel == "programmes/ipledge.py":
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "ipledge" in line.lower():
                if rel == "programmes/__init__.py" and line.startswith("from . import"):
                    continue
                offenders.append(f"{rel}:{number}: {line.strip()}")
    assert offenders == []


# ------------------------------------------------ a programme added in a test


@dataclasses.dataclass(frozen=True)
class _NoDispenseOnSundays:
    rule_id: str = "demo-rems.no-sunday"
    source: str = "test"
    stages: frozenset = frozenset({Stage.DISPENSE})

    def __call__(self, facts, ctx):
        if ctx.date_in("America/New_York").weekday() != 6:
            return NOTHING
        return (Finding(self.rule_id, BLOCK, "Sunday.", "Not on Sundays.", self.source),)


@pytest.fixture
def demo_programme():
    registered = register(
        Programme(
            code="demo-rems",
            name="Demo REMS",
            versions=(
                ProgrammeVersion(
                    code="demo-rems", label="v1", effective_from=date(2026, 1, 1), rules=(_NoDispenseOnSundays(),)
                ),
                ProgrammeVersion(code="demo-rems", label="v2", effective_from=date(2026, 6, 1), retired=True),
            ),
        )
    )
    yield registered
    unregister("demo-rems")


@pytest.mark.parametrize(
    "moment, blocked",
    [
        (et(2026, 3, 8), True),  # a Sunday while v1 is in force
        (et(2026, 3, 9), False),  # Monday
        (et(2026, 6, 7), False),  # a Sunday after the programme retired
    ],
)
def test_a_new_programme_plugs_in_with_its_own_rules_and_dates(demo_programme, moment, blocked):
    drug = dataclasses.replace(doxycycline_dispense().drug, programme="demo-rems")
    facts = change(doxycycline_dispense(drug=drug, moment=moment), prescription__date_written=date(2026, 3, 1))
    assert ("demo-rems.no-sunday" in rule_ids(evaluate(facts))) is blocked
    assert "programme.registered" not in rule_ids(evaluate(facts))


def test_a_programme_before_its_first_version_adds_no_rules(demo_programme):
    assert get_programme("demo-rems", date(2025, 12, 31)) is None
    drug = dataclasses.replace(doxycycline_dispense().drug, programme="demo-rems")
    facts = change(
        doxycycline_dispense(drug=drug, moment=et(2025, 12, 28)), prescription__date_written=date(2025, 12, 1)
    )
    assert passes(evaluate(facts))


def test_versions_must_be_registered_in_order():
    with pytest.raises(ValueError):
        register(
            Programme(
                code="out-of-order",
                name="x",
                versions=(
                    ProgrammeVersion(code="out-of-order", label="b", effective_from=date(2026, 6, 1)),
                    ProgrammeVersion(code="out-of-order", label="a", effective_from=date(2026, 1, 1)),
                ),
            )
        )
    assert "out-of-order" not in registered_codes()


# -------------------------------------------------------------- lenalidomide


def lenalidomide_dispense(**changes):
    facts = doxycycline_dispense(
        drug=LENALIDOMIDE,
        medication_guide_recorded=True,
        authorisation=Authorisation(
            programme="lenalidomide",
            number="LEN-000123",
            risk_category="Adult female not of reproductive potential",
        ),
    )
    facts = change(
        facts,
        prescription__drug_name="Lenalidomide",
        prescription__strength="10 mg",
        prescription__quantity=28,
        prescription__days_supply=28,
        prescription__refills=0,
        prescription__directions="Take 1 capsule by mouth daily",
    )
    return dataclasses.replace(facts, **changes)


def test_a_complete_lenalidomide_dispense_passes():
    assert evaluate(lenalidomide_dispense()) == ()


@pytest.mark.parametrize("days, blocked", [(28, False), (29, True)])
def test_lenalidomide_supply_is_capped_at_28_days(days, blocked):
    facts = change(lenalidomide_dispense(), prescription__days_supply=days)
    assert ("lenalidomide.supply-cap" in rule_ids(evaluate(facts), BLOCK)) is blocked


@pytest.mark.parametrize("stage", sorted(ALL_STAGES))
def test_lenalidomide_needs_an_authorisation_number_at_every_stage(stage):
    found = evaluate(lenalidomide_dispense(stage=stage, authorisation=None))
    assert "lenalidomide.authorisation" in rule_ids(found, BLOCK)
    assert "lenalidomide.risk-category" in rule_ids(found, BLOCK)


def test_lenalidomide_risk_category_may_come_from_the_prescription():
    facts = change(lenalidomide_dispense(), authorisation__risk_category=None, prescription__risk_category="Male")
    assert "lenalidomide.risk-category" not in rule_ids(evaluate(facts))


@pytest.mark.parametrize(
    "change_, rule_id",
    [
        ({"prescription__refills": 1}, "lenalidomide.no-refills"),
        ({"prescription__telephone": True}, "lenalidomide.no-telephone"),
        ({"medication_guide_recorded": False}, "lenalidomide.medication-guide"),
        ({"authorisation__quantity": 21}, "lenalidomide.authorisation-matches"),
        ({"authorisation__do_not_dispense_after": date(2026, 3, 4)}, "lenalidomide.dispense-by-date"),
        ({"pharmacy": pharmacy(certifications=())}, "lenalidomide.pharmacy-certified"),
    ],
)
def test_lenalidomide_rules(change_, rule_id):
    assert rule_id in rule_ids(evaluate(change(lenalidomide_dispense(), **change_)), BLOCK)


def test_lenalidomide_does_not_require_what_it_does_not_know():
    # No authorisation validity is computed; quantities are compared only when recorded.
    facts = change(lenalidomide_dispense(), authorisation__quantity=None, authorisation__do_not_dispense_after=None)
    assert passes(evaluate(facts))


# ---------------------------------------------------------------- clozapine


def clozapine_dispense(moment):
    facts = doxycycline_dispense(drug=CLOZAPINE, moment=moment)
    return change(
        facts,
        prescription__drug_name="Clozapine",
        prescription__strength="100 mg",
        prescription__dosage_form="tablet",
        prescription__date_written=moment.date(),
    )


@pytest.mark.parametrize(
    "moment, blocked",
    [
        (et(2025, 2, 23), True),  # REMS enforced: certification and RDA
        (et(2025, 2, 24), False),  # FDA enforcement discretion
        (et(2025, 6, 13), False),  # eliminated
        (et(2026, 3, 5), False),
    ],
)
def test_the_retired_clozapine_rems_no_longer_blocks(moment, blocked):
    found = evaluate(clozapine_dispense(moment))
    assert (not passes(found)) is blocked
    assert "programme.registered" not in rule_ids(found)


@pytest.mark.parametrize(
    "certified, rda, expected",
    [
        (True, True, set()),
        (True, False, {"clozapine.rda"}),
        (False, True, {"clozapine.pharmacy-certified"}),
    ],
)
def test_while_enforced_clozapine_needed_a_certified_pharmacy_and_an_rda(certified, rda, expected):
    from compliance.core import Certification

    cert = Certification(
        programme="clozapine",
        activated_on=date(2020, 1, 1),
        reactivation_due=None,
        responsible_pharmacist="Dana Whitfield, PharmD",
    )
    facts = dataclasses.replace(
        clozapine_dispense(et(2025, 2, 20)),
        pharmacy=pharmacy(certifications=(cert,) if certified else ()),
        authorisation=Authorisation(programme="clozapine", number="RDA-1") if rda else None,
    )
    assert rule_ids(evaluate(facts), BLOCK) == expected


def test_the_clozapine_programme_is_recorded_as_retired():
    version = get_programme("clozapine", date(2026, 3, 5))
    assert version.retired and "eliminated" in version.label


# ------------------------------------------------------------ mycophenolate


@pytest.mark.parametrize("recorded, blocked", [(False, True), (True, False)])
def test_mycophenolate_needs_only_the_medication_guide(recorded, blocked):
    drug = Drug(name="Mycophenolate mofetil", strength="500 mg", dosage_form="tablet", programme="mycophenolate")
    facts = change(
        doxycycline_dispense(drug=drug, medication_guide_recorded=recorded, pharmacy=pharmacy(certifications=())),
        prescription__drug_name="Mycophenolate mofetil",
        prescription__strength="500 mg",
        prescription__dosage_form="tablet",
    )
    assert (not passes(evaluate(facts))) is blocked


# ----------------------------------------------------------- documentation


def _all_rules():
    from compliance.core import GENERAL_RULES
    from compliance.core.programmes import programmes

    rules = list(GENERAL_RULES)
    for programme in programmes():
        for version in programme.versions:
            rules.extend(version.rules)
    return rules


INTERNAL = re.compile(r"RULES|STYLE|\.md\b|\.py\b|\bour\b|compliance/|/work/", re.IGNORECASE)
# The regulation or programme document a source names.
CITATION = re.compile(
    r"CFR|USC|REMS|prescribing information|NCPDP|NABP|practice acts|terms of service|Public Health Law"
)


@pytest.mark.parametrize("rule", _all_rules(), ids=lambda r: r.rule_id)
def test_every_rule_names_its_source(rule):
    """Rules name the regulation or programme document in ``source`` (shown
    to the pharmacist), never one of our files or section numbers; a rule
    written for one purpose names it in its docstring too, with the RULES.md
    section that summarises it. The shared building blocks of
    ``programmes/common.py`` get theirs from the programme that uses them
    (and the programme module's docstring lists them)."""
    from compliance.core.programmes import common

    assert not INTERNAL.search(rule.source), rule.source
    assert CITATION.search(rule.source), rule.source
    if type(rule).__module__ != common.__name__:
        doc = getattr(rule, "__doc__", None) or ""
        assert "RULES.md" in doc
        assert CITATION.search(doc), rule.rule_id
    else:
        programme_module = __import__(f"compliance.core.programmes.{rule.rule_id.split('.')[0]}", fromlist=["_"])
        assert rule.rule_id in programme_module.__doc__
