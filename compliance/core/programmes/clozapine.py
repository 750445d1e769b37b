"""Clozapine REMS, RULES.md 4: a retired programme.

FDA stopped enforcing it on 24 Feb 2025 and eliminated it on 13 Jun 2025
(no REMS Dispense Authorization, no ANC reporting). The versions record that
history: before 24 Feb 2025 a certified pharmacy and an RDA at dispense were
required; during enforcement discretion nothing is blocked; from 13 Jun 2025
the programme is retired and contributes no rules. Products keep the
``clozapine`` code so the history stays visible, and nothing blocks today.

Rules of the enforced version: clozapine.pharmacy-certified (all stages) and
clozapine.rda (DISPENSE), both BLOCK, RULES.md 4.
"""

from __future__ import annotations

from datetime import date

from ..facts import Stage
from .common import AuthorisationPresent, PharmacyCertified
from .registry import Programme, ProgrammeVersion, register

CODE = "clozapine"
NAME = "Clozapine REMS"
SOURCE = "Clozapine REMS Program"
ENFORCEMENT_DISCRETION_FROM = date(2025, 2, 24)
ELIMINATED_ON = date(2025, 6, 13)

ENFORCED = ProgrammeVersion(
    code=CODE,
    label="Clozapine REMS (enforced)",
    effective_from=date.min,
    rules=(
        PharmacyCertified(code=CODE, programme_name=NAME, rule_id="clozapine.pharmacy-certified", source=SOURCE),
        AuthorisationPresent(
            code=CODE,
            programme_name=NAME,
            label="REMS Dispense Authorization (RDA)",
            rule_id="clozapine.rda",
            source=SOURCE,
            required_at=frozenset({Stage.DISPENSE}),
        ),
    ),
    pharmacy_certification_required=True,
    authorisation_required_at=frozenset({Stage.DISPENSE}),
)
ENFORCEMENT_DISCRETION = ProgrammeVersion(
    code=CODE,
    label="Clozapine REMS (FDA enforcement discretion)",
    effective_from=ENFORCEMENT_DISCRETION_FROM,
)
ELIMINATED = ProgrammeVersion(
    code=CODE,
    label="Clozapine REMS (eliminated 13 Jun 2025)",
    effective_from=ELIMINATED_ON,
    retired=True,
)

PROGRAMME = register(Programme(code=CODE, name=NAME, versions=(ENFORCED, ENFORCEMENT_DISCRETION, ELIMINATED)))
