"""The one entry point the checkout, the review screen and the dispense step
call: ``evaluate_and_record``."""

from __future__ import annotations

import dataclasses
from datetime import date

from django.conf import settings
from django.db import transaction

from .core import DEFAULT_CONFIG, Config, Facts, evaluate, fingerprint, passes
from .core.context import local_date
from .core.programmes import ipledge
from .core.programmes import programme as registered_programme
from .core.serialise import findings_to_jsonable, to_jsonable
from .models import ComplianceEvaluation
from .subjects import Subject, parse


def _as_date(value) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def compliance_config() -> Config:
    """The core configuration from Django settings: ``IPLEDGE_MOD_2026_EFFECTIVE``
    (date or ISO string; default 2026-08-08) and ``TIME_ZONE``."""
    effective = getattr(settings, "IPLEDGE_MOD_2026_EFFECTIVE", ipledge.MOD_2026_DEFAULT)
    config = ipledge.with_mod_2026_effective(_as_date(effective), DEFAULT_CONFIG)
    return dataclasses.replace(config, timezone=getattr(settings, "TIME_ZONE", None) or config.timezone)


def _config_record(facts: Facts, config: Config) -> dict:
    record = config.to_dict()
    code = facts.drug.programme
    found = registered_programme(code) if code else None
    if found is not None:
        version = found.version_on(local_date(facts.moment, found.timezone), config)
        record["programme"] = {
            "code": code,
            "version": None if version is None else version.label,
            "retired": bool(version and version.retired),
        }
    return record


@transaction.atomic
def evaluate_and_record(*, facts: Facts, subject: Subject | str, actor=None, findings=None) -> ComplianceEvaluation:
    """Run the rules on ``facts`` and store the result.

    ``subject`` names what was checked, in the one grammar of
    ``compliance.subjects`` (``subjects.for_order_line(...)``, or its spelling,
    ``"prescription:42"``); the prescription it names is stored in its own
    column too. ``actor`` is the user who asked (None for the system). Returns
    the stored row: ``.passed``, ``.findings``, ``.blocks``, ``.warnings``,
    ``.fingerprint``.

    ``findings``: the rules' answer on these same ``facts``, already worked out in this request
    under the current configuration (the checkout gate judges a basket once and records that
    judgement when the order is placed); without it the rules run here.
    """
    if not isinstance(subject, Subject):
        subject = parse(subject)  # ValueError unless spelt by the grammar
    config = compliance_config()
    if findings is None:
        findings = evaluate(facts, config=config)
    return ComplianceEvaluation.objects.create(
        stage=facts.stage.value,
        subject=str(subject),
        prescription_id=subject.prescription_id,
        moment=facts.moment,
        facts=to_jsonable(facts),
        fingerprint=fingerprint(facts),
        config=_config_record(facts, config),
        findings_data=findings_to_jsonable(findings),
        passed=passes(findings),
        actor=actor if actor is not None and getattr(actor, "is_authenticated", False) else None,
    )
