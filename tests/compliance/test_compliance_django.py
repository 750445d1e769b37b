"""The Django layer: models, adapters, the entry point, admin and demo data."""

from __future__ import annotations

import dataclasses
import html
import json
from datetime import date, datetime, timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from compliance import subjects
from compliance.adapters import build_facts, pharmacy_facts
from compliance.core import Severity, Stage, evaluate, facts_from_jsonable, fingerprint
from compliance.demo import load_demo_compliance
from compliance.models import ComplianceEvaluation, PharmacyLicence, ProgrammeCertification
from compliance.services import compliance_config, evaluate_and_record
from infra.appendonly import AppendOnlyError
from tests.factories import PharmacistFactory

from .builders import change, doxycycline_dispense, et, isotretinoin_dispense

pytestmark = pytest.mark.django_db


@pytest.fixture
def pharmacist():
    """A pharmacist of their own: the Django layer is tested without the demo shop."""
    return PharmacistFactory(username="pharmacist", email="rph@example.com")


# ------------------------------------------------------------ the entry point


def test_evaluate_and_record_stores_what_was_checked(pharmacist):
    facts = isotretinoin_dispense()
    subject = subjects.for_order_line(prescription_id=42, order_number="100023", line_id=3)
    row = evaluate_and_record(facts=facts, subject=subject, actor=pharmacist)
    row.refresh_from_db()
    assert row.passed and row.findings == () and row.blocks == () and row.warnings == ()
    assert row.stage == "dispense" and row.subject == "prescription:42:order:100023:line:3" and row.actor == pharmacist
    assert row.prescription_id == 42
    assert row.moment == facts.moment
    assert row.fingerprint == fingerprint(facts)
    assert row.config["programme"] == {
        "code": "ipledge",
        "version": "iPLEDGE REMS (risk categories of 13 Dec 2021)",
        "retired": False,
    }
    assert row.created_at is not None


def test_an_inspector_can_rebuild_and_re_run_the_stored_facts():
    facts = isotretinoin_dispense(moment=et(2026, 3, 9, 0, 0))
    row = evaluate_and_record(facts=facts, subject="prescription:42")
    row = ComplianceEvaluation.objects.get(pk=row.pk)
    rebuilt = facts_from_jsonable(row.facts)
    assert fingerprint(rebuilt) == row.fingerprint
    assert evaluate(rebuilt) == row.findings


def test_a_blocked_evaluation_exposes_its_findings():
    row = evaluate_and_record(facts=isotretinoin_dispense(moment=et(2026, 3, 9, 0, 0)), subject="prescription:42")
    assert not row.passed
    [block] = row.blocks
    assert block.rule_id == "ipledge.dispense-window" and block.severity is Severity.BLOCK
    assert row.warnings == ()


def test_an_anonymous_actor_is_recorded_as_the_system():
    row = evaluate_and_record(facts=isotretinoin_dispense(), subject="prescription:1", actor=AnonymousUser())
    assert row.actor is None


@pytest.mark.parametrize(
    "subject",
    [
        "",
        "42",
        "prescription",
        "prescription: 42",
        "x" * 130 + ":1",
        "prescription:1:" + "9" * 120,
        "order:100023:line:3",  # the old checkout spelling: it does not name the prescription
        "order:100023:line:3:dispense",
        None,
    ],
)
def test_the_subject_must_name_what_was_checked(subject):
    with pytest.raises(ValueError):
        evaluate_and_record(facts=isotretinoin_dispense(), subject=subject)


def _cannot_without_date():
    return change(
        isotretinoin_dispense(moment=et(2026, 9, 1), promised_delivery_on=None),
        prescription__risk_category="cannot",
        authorisation__risk_category="cannot",
        authorisation__do_not_dispense_after=None,
        prescription__date_written=date(2026, 8, 25),
    )


@pytest.mark.parametrize(
    "setting, passed",
    [(date(2026, 8, 8), True), (date(2026, 11, 15), False), ("2026-11-15", False)],
)
def test_the_2026_effective_date_comes_from_settings(settings, setting, passed):
    settings.IPLEDGE_MOD_2026_EFFECTIVE = setting
    row = evaluate_and_record(facts=_cannot_without_date(), subject="prescription:7")
    assert row.passed is passed
    assert row.config["effective_dates"]["ipledge.mod_2026_effective"] == str(setting)


def test_the_config_follows_the_time_zone_setting(settings):
    settings.TIME_ZONE = "America/Chicago"
    assert compliance_config().timezone == "America/Chicago"


# ----------------------------------------------------------- append-only


def test_evaluations_cannot_be_changed_or_deleted():
    row = evaluate_and_record(facts=isotretinoin_dispense(), subject="prescription:1")
    row.passed = False
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        ComplianceEvaluation.objects.filter(pk=row.pk).update(passed=False)
    with pytest.raises(AppendOnlyError):
        ComplianceEvaluation.objects.filter(pk=row.pk).delete()
    assert ComplianceEvaluation.objects.get(pk=row.pk).passed is True


def test_the_evaluation_admin_is_read_only(pharmacist):
    row = evaluate_and_record(facts=isotretinoin_dispense(moment=et(2026, 3, 9)), subject="prescription:1")
    model_admin = admin.site._registry[ComplianceEvaluation]
    request = RequestFactory().get("/admin/")
    request.user = pharmacist
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request, row)
    assert not model_admin.has_delete_permission(request, row)
    assert "ipledge.dispense-window" in model_admin.findings_table(row)
    assert {"fingerprint", "facts_pretty", "findings_table"} <= set(model_admin.get_readonly_fields(request, row))
    shown = html.unescape(model_admin.facts_pretty(row).removeprefix("<pre>").removesuffix("</pre>"))
    assert json.loads(shown) == row.facts


def test_licences_and_certifications_are_managed_in_the_admin():
    assert PharmacyLicence in admin.site._registry and ProgrammeCertification in admin.site._registry


# --------------------------------------------------------------- adapters


def test_pharmacy_facts_come_from_the_licence_and_certification_tables(settings):
    settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED = True
    PharmacyLicence.objects.create(state="NY", kind="resident", number="NY-1", expires_on=date(2027, 12, 31))
    PharmacyLicence.objects.create(state="OH", kind="non_resident", number="OH-1", expires_on=date(2026, 3, 4))
    ProgrammeCertification.objects.create(
        programme="ipledge",
        activated_on=date(2025, 9, 1),
        reactivation_due=date(2026, 9, 1),
        responsible_pharmacist="Dana Whitfield, PharmD",
    )
    facts = pharmacy_facts(date(2026, 3, 5))
    assert [lic.state for lic in facts.licences] == ["NY"]  # Ohio expired the day before
    assert facts.licences[0].kind == "resident"
    assert [c.programme for c in facts.certifications] == ["ipledge"]
    assert facts.online_controlled_registered is True
    assert [lic.state for lic in pharmacy_facts(date(2026, 3, 4)).licences] == ["NY", "OH"]


def test_online_controlled_dispensing_is_off_by_default(settings):
    del settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED
    assert pharmacy_facts(date(2026, 3, 5)).online_controlled_registered is False


def test_build_facts_turns_plain_values_into_facts():
    load_demo_compliance(today=date(2026, 3, 1))
    reference = isotretinoin_dispense(stage=Stage.VERIFY)
    facts = build_facts(
        stage="verify",
        moment=reference.moment,
        drug=dataclasses.asdict(reference.drug),
        patient=dataclasses.asdict(reference.patient),
        account_holder={"date_of_birth": date(2004, 5, 17)},
        prescriber=dataclasses.asdict(reference.prescriber),
        prescription=reference.prescription,
        ship_to_state="NY",
    )
    assert facts.stage is Stage.VERIFY and facts.prescription == reference.prescription
    assert {lic.state for lic in facts.pharmacy.licences} == {"NY", "NJ", "PA", "CA", "TX", "FL"}
    assert evaluate(facts) == ()


def test_build_facts_refuses_a_naive_moment():
    with pytest.raises(ValueError):
        build_facts(
            stage="verify",
            drug={"name": "x"},
            moment=datetime(2026, 3, 5, 12, 0),  # noqa: DTZ001  (naive on purpose: it must be refused)
            pharmacy=doxycycline_dispense().pharmacy,
        )


# -------------------------------------------------------------- demo data


def test_the_demo_data_loads_once_and_a_second_run_changes_nothing():
    first = load_demo_compliance(today=date(2026, 3, 1))
    snapshot = (
        list(PharmacyLicence.objects.values()),
        list(ProgrammeCertification.objects.values()),
    )
    second = load_demo_compliance(today=date(2026, 4, 1))
    assert first == {"licences": 6, "certifications": 1}
    assert second == {"licences": 0, "certifications": 0}
    assert (list(PharmacyLicence.objects.values()), list(ProgrammeCertification.objects.values())) == snapshot


def test_the_demo_pharmacy_ships_to_six_states_and_not_to_massachusetts():
    load_demo_compliance(today=date(2026, 3, 1))
    states = set(PharmacyLicence.objects.values_list("state", flat=True))
    assert states == {"NY", "NJ", "PA", "CA", "TX", "FL"}
    reference = isotretinoin_dispense(stage=Stage.CHECKOUT, authorisation=None)
    for state, passed in (("NY", True), ("FL", True), ("MA", False)):
        facts = build_facts(
            stage=Stage.CHECKOUT,
            moment=reference.moment,
            drug=reference.drug,
            patient=reference.patient,
            account_holder=reference.account_holder,
            prescriber=reference.prescriber,
            prescription=reference.prescription,
            ship_to_state=state,
            prescription_verified=True,
        )
        row = evaluate_and_record(
            facts=facts,
            subject=subjects.for_basket_line(prescription_id=1, order_number=f"1-{state}", basket_line_id=1),
        )
        assert row.passed is passed, state


def test_the_demo_pharmacy_is_activated_in_ipledge():
    today = date(2026, 3, 1)
    load_demo_compliance(today=today)
    cert = ProgrammeCertification.objects.get(programme="ipledge")
    assert cert.activated_on <= today < cert.reactivation_due - timedelta(days=30)
    assert cert.responsible_pharmacist


def test_evaluations_are_found_by_subject():
    from compliance.selectors import evaluations_for, latest_evaluation

    first = evaluate_and_record(facts=isotretinoin_dispense(stage=Stage.VERIFY), subject="prescription:5")
    second = evaluate_and_record(facts=isotretinoin_dispense(), subject="prescription:5")
    evaluate_and_record(facts=isotretinoin_dispense(), subject="prescription:6")
    assert list(evaluations_for("prescription:5")) == [second, first]
    assert latest_evaluation("prescription:5", stage=Stage.VERIFY) == first
    assert latest_evaluation("prescription:404") is None
