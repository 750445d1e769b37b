"""Who reaches the workspace: roles, least privilege, the second factor (issue 5 §1)."""

from __future__ import annotations

import uuid

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from prescriptions.models import PrescriptionEvent
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import services
from prescriptions.review.models import ReviewDecision
from prescriptions.roles import ROLE_PERMISSIONS, sync_roles

from .conftest import staff_client

pytestmark = pytest.mark.django_db

WORKSPACE_GET = ("pharmacy-queue", "pharmacy-inspector")
PRESCRIPTION_GET = ("pharmacy-review", "pharmacy-history", "pharmacy-history-csv")
PRESCRIPTION_POST = (
    "pharmacy-claim",
    "pharmacy-release",
    "pharmacy-transcribe",
    "pharmacy-evaluate",
    "pharmacy-verify",
    "pharmacy-reject",
    "pharmacy-request-information",
)


def every_workspace_request(prescription):
    for name in WORKSPACE_GET:
        yield "get", reverse(f"dashboard:{name}")
    for name in PRESCRIPTION_GET:
        yield "get", reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})
    for name in PRESCRIPTION_POST:
        yield "post", reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def codenames(user) -> set[str]:
    return {
        f"{p.content_type.app_label}.{p.codename}"
        for p in Permission.objects.filter(group__user=user).select_related("content_type")
    }


def test_demo_pharmacist_and_technician_have_exactly_their_roles_permissions(pharmacist, technician):
    technician_role = {
        "review.access_workspace",
        "review.transcribe_prescription",
        "prescriptions.view_prescriptionfile",
        "prescriptions.ship_order",  # packing and shipping a parcel is no clinical decision
        "dispensing.fill_order",  # scanning packs at fill: the pharmacist's final check releases them
    }
    assert codenames(technician) == technician_role == set(ROLE_PERMISSIONS["Pharmacy technician"])
    assert codenames(pharmacist) == set(ROLE_PERMISSIONS["Pharmacist"])
    assert codenames(pharmacist) >= technician_role | {
        "review.decide_prescription",
        "prescriptions.review_prescription",
        "review.view_audit_trail",
    }
    assert not pharmacist.is_staff and not technician.is_staff  # no shop dashboard, no admin


def test_a_technician_can_never_decide(technician):
    for permission in ("review.decide_prescription", "prescriptions.review_prescription", "review.view_audit_trail"):
        assert not technician.has_perm(permission)


def test_sync_roles_is_idempotent_and_restores_removed_permissions(technician):
    from django.contrib.auth.models import Group

    group = Group.objects.get(name="Pharmacy technician")
    group.permissions.add(Permission.objects.get(codename="decide_prescription"))  # someone widened it by hand
    sync_roles()
    sync_roles()
    assert not Group.objects.get(name="Pharmacy technician").permissions.filter(codename="decide_prescription").exists()


def test_technician_cannot_verify_403_and_nothing_changes(transcribed, technician, technician_client):
    services.claim_for_review(prescription=transcribed, reviewer=technician)
    before = (transcribed.status, PrescriptionEvent.objects.count())
    url = reverse("dashboard:pharmacy-verify", kwargs={"public_id": transcribed.public_id})
    response = technician_client.post(url, {"version": 1})
    assert response.status_code == 403
    transcribed.refresh_from_db()
    assert (transcribed.status, PrescriptionEvent.objects.count()) == before
    assert not ReviewDecision.objects.exists()
    for name in ("pharmacy-reject", "pharmacy-request-information"):
        url = reverse(f"dashboard:{name}", kwargs={"public_id": transcribed.public_id})
        assert (
            technician_client.post(
                url, {"reason_code": "not_valid", "message_to_customer": "x", "question": "x"}
            ).status_code
            == 403
        )
    assert not ReviewDecision.objects.exists()


def test_technician_cannot_verify_through_the_service_either(transcribed, technician):
    services.claim_for_review(prescription=transcribed, reviewer=technician)
    with pytest.raises(services.NotPermitted):
        services.verify_prescription(
            prescription=transcribed, pharmacist=technician, expected_version=1, warning_overrides={}
        )
    with pytest.raises(services.NotPermitted):
        services.reject_prescription(
            prescription=transcribed, pharmacist=technician, reason_code="not_valid", message_to_customer="No."
        )
    transcribed.refresh_from_db()
    assert transcribed.status == S.SUBMITTED  # a technician's claim does not even start the review


def test_a_superuser_without_the_pharmacist_role_cannot_verify(transcribed, shop_admin):
    """The shop administrator's account is a superuser but not a pharmacist."""
    services.claim_for_review(prescription=transcribed, reviewer=shop_admin)
    client = staff_client(shop_admin)
    url = reverse("dashboard:pharmacy-verify", kwargs={"public_id": transcribed.public_id})
    assert client.post(url, {"version": 1}).status_code == 403
    transcribed.refresh_from_db()
    assert transcribed.status == S.SUBMITTED and not ReviewDecision.objects.exists()


def test_a_customer_gets_nothing_from_any_workspace_url(alice, alice_client, bob, prescription):
    for client in (alice_client, staff_client(bob, second_factor=False)):
        for method, url in every_workspace_request(prescription):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 403, 404), (method, url, response.status_code)
            assert b"Moreno" not in response.content and prescription.reference.encode() not in response.content
    prescription.refresh_from_db()
    assert prescription.status == S.SUBMITTED


def test_anonymous_visitors_are_sent_to_log_in(client, prescription):
    for method, url in every_workspace_request(prescription):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert "/login/" in response["Location"]


def test_staff_without_a_second_factor_see_no_patient_data(pharmacist, technician, prescription):
    for user in (pharmacist, technician):
        client = staff_client(user, second_factor=False)
        for method, url in every_workspace_request(prescription):
            response = getattr(client, method)(url)
            assert response.status_code in (302, 403), (url, response.status_code)
            if response.status_code == 302:
                assert response["Location"].startswith("/pharmacy/staff/verify/")
            assert b"Moreno" not in response.content


def test_the_views_check_the_second_factor_themselves(prescription, django_user_model):
    """Defence in depth: a user given the permissions directly (not through a staff
    group, so the staff middleware does not know them) still needs the second factor."""
    user = django_user_model.objects.create_user(
        username="direct@example.com", email="direct@example.com", password="not-used-2026"
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=["access_workspace", "view_audit_trail"]))
    without = staff_client(user, second_factor=False)
    for method, url in every_workspace_request(prescription):
        response = getattr(without, method)(url)
        assert response.status_code == 403, url
        assert b"Moreno" not in response.content
    with_factor = staff_client(user)
    assert with_factor.get(reverse("dashboard:pharmacy-queue")).status_code == 200


def test_unknown_prescription_ids_are_404(pharmacist_client):
    url = reverse("dashboard:pharmacy-review", kwargs={"public_id": uuid.uuid4()})
    assert pharmacist_client.get(url).status_code == 404


def test_pages_are_never_cached(pharmacist_client, prescription):
    response = pharmacist_client.get(reverse("dashboard:pharmacy-review", kwargs={"public_id": prescription.public_id}))
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store, private"


def test_the_dashboard_sends_pharmacy_staff_to_their_queue_and_shows_the_menu(pharmacist_client, technician_client):
    for client in (pharmacist_client, technician_client):
        response = client.get("/dashboard/")
        assert response.status_code == 302 and response["Location"] == reverse("dashboard:pharmacy-queue")
    page = pharmacist_client.get(reverse("dashboard:pharmacy-queue")).content.decode()
    assert "Review queue" in page and "Prescription history (inspector)" in page
    page = technician_client.get(reverse("dashboard:pharmacy-queue")).content.decode()
    assert "Review queue" in page and "Prescription history (inspector)" not in page
    assert technician_client.get(reverse("dashboard:pharmacy-inspector")).status_code == 403


def test_customers_still_cannot_open_the_dashboard(alice_client):
    assert alice_client.get("/dashboard/").status_code in (302, 403)


def test_demo_review_prescriptions_load_once_and_wait_in_the_queue(demo_shop, pharmacist_client):
    from django.utils import timezone

    from compliance.core import Stage, evaluate, needs_documented_override
    from prescriptions.facts import facts_for_prescription
    from prescriptions.models import Prescription
    from prescriptions.review.demo import load_demo_review
    from prescriptions.review.models import Transcription

    assert load_demo_review() == 3
    assert load_demo_review() == 0
    assert Prescription.objects.filter(customer__email="carlos@example.com").count() == 3
    transcription = Transcription.objects.get()
    assert transcription.latest_evaluation.passed and transcription.updated_by.email == "technician@example.com"
    # Sofia's profile lists doxycycline from elsewhere: her isotretinoin is contraindicated
    # (drug-utilisation review), a block only a pharmacist's documented override lets through.
    sofia = Prescription.objects.get(patient__first_name="Sofia")
    facts = facts_for_prescription(
        stage=Stage.VERIFY, prescription=sofia, transcription=Transcription(prescription=sofia), moment=timezone.now()
    )
    (finding,) = [f for f in evaluate(facts) if f.rule_id.startswith("dur.")]
    assert finding.rule_id == "dur.interaction:6064+3640" and needs_documented_override(finding)
    page = pharmacist_client.get(reverse("dashboard:pharmacy-queue")).content.decode()
    assert page.count("Carlos Diaz") == 2 and "Sofia Diaz" in page and "past target" in page
