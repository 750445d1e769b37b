"""Claiming: opening a prescription claims it, one reviewer at a time, claims
lapse, and simultaneous claims or decisions have exactly one winner (issue 5 §3)."""

from __future__ import annotations

import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from prescriptions.models import PrescriptionEvent
from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import services
from prescriptions.review.models import ReviewClaim, ReviewDecision

from .conftest import good_transcription, staff_client, transcribe

pytestmark = pytest.mark.django_db


def review_url(prescription, name="pharmacy-review"):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def test_opening_a_prescription_claims_it_and_starts_the_review(prescription, pharmacist, pharmacist_client):
    response = pharmacist_client.post(review_url(prescription, "pharmacy-claim"), REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 302 and response["Location"] == review_url(prescription)
    claim = ReviewClaim.objects.get()
    assert (claim.reviewer, claim.released_at, claim.ip_address) == (pharmacist, None, "203.0.113.9")
    assert claim.expires_at - claim.claimed_at == datetime.timedelta(minutes=30)
    prescription.refresh_from_db()
    assert prescription.status == S.IN_REVIEW
    assert "You are working on this prescription" in pharmacist_client.get(review_url(prescription)).content.decode()


def test_a_technicians_claim_does_not_start_the_pharmacists_review(prescription, technician, technician_client):
    technician_client.post(review_url(prescription, "pharmacy-claim"))
    assert ReviewClaim.objects.get().reviewer == technician
    prescription.refresh_from_db()
    assert prescription.status == S.SUBMITTED


def test_a_second_reviewer_sees_who_has_it_and_cannot_decide(claimed, pharmacist, second_pharmacist):
    other = staff_client(second_pharmacist)
    page = other.get(review_url(claimed)).content.decode()
    assert "Priya Raman</strong> is working on this prescription" in page
    assert "Verify prescription" not in page and "Save and check" not in page
    response = other.post(review_url(claimed, "pharmacy-claim"), follow=True)
    assert "Priya Raman is working on this prescription" in response.content.decode()
    response = other.post(review_url(claimed, "pharmacy-verify"), {"version": 1})
    assert response.status_code == 302
    response = other.post(
        review_url(claimed, "pharmacy-reject"), {"reason_code": "not_valid", "message_to_customer": "No."}
    )
    assert response.status_code == 302
    claimed.refresh_from_db()
    assert claimed.status == S.IN_REVIEW and not ReviewDecision.objects.exists()
    assert ReviewClaim.objects.get(released_at__isnull=True).reviewer == pharmacist
    with pytest.raises(services.ClaimedByAnother):
        services.save_transcription(
            prescription=claimed, user=second_pharmacist, data=good_transcription(quantity=60), expected_version=1
        )


def test_a_claim_lapses_after_the_configured_time(prescription, pharmacist, second_pharmacist, settings):
    settings.REVIEW_CLAIM_MINUTES = 10
    first = services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    assert first.expires_at - first.claimed_at == datetime.timedelta(minutes=10)
    with pytest.raises(services.ClaimedByAnother):
        services.claim_for_review(prescription=prescription, reviewer=second_pharmacist)
    ReviewClaim.objects.filter(pk=first.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    second = services.claim_for_review(prescription=prescription, reviewer=second_pharmacist)
    first.refresh_from_db()
    assert first.release_reason == ReviewClaim.Release.LAPSED and first.released_at == first.expires_at
    assert second.reviewer == second_pharmacist
    with pytest.raises(services.ClaimedByAnother):  # the first reviewer's lapsed claim no longer lets them act
        services.reject_prescription(
            prescription=prescription, pharmacist=pharmacist, reason_code="not_valid", message_to_customer="No."
        )


def test_activity_renews_the_claim(prescription, technician):
    claim = services.claim_for_review(prescription=prescription, reviewer=technician)
    ReviewClaim.objects.filter(pk=claim.pk).update(expires_at=timezone.now() + datetime.timedelta(minutes=1))
    services.save_transcription(
        prescription=prescription, user=technician, data=good_transcription(), expected_version=0
    )
    claim.refresh_from_db()
    assert claim.expires_at > timezone.now() + datetime.timedelta(minutes=29)


def test_releasing_puts_it_back_in_the_queue(prescription, technician, technician_client, pharmacist):
    services.claim_for_review(prescription=prescription, reviewer=technician)
    response = technician_client.post(review_url(prescription, "pharmacy-release"))
    assert response.status_code == 302 and response["Location"] == reverse("dashboard:pharmacy-queue")
    assert ReviewClaim.objects.get().release_reason == ReviewClaim.Release.RELEASED
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)  # free for anyone


def test_the_database_allows_one_open_claim_per_prescription(prescription, pharmacist, second_pharmacist):
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReviewClaim.objects.create(
            prescription=prescription,
            reviewer=second_pharmacist,
            reviewer_name="x",
            expires_at=timezone.now() + datetime.timedelta(minutes=5),
        )


def test_decided_prescriptions_cannot_be_claimed(claimed, pharmacist, second_pharmacist):
    services.reject_prescription(
        prescription=claimed,
        pharmacist=pharmacist,
        reason_code="not_valid",
        message_to_customer="This is not a prescription.",
    )
    with pytest.raises(services.ReviewError):
        services.claim_for_review(prescription=claimed, reviewer=second_pharmacist)


def test_nobody_reviews_their_own_prescription(pharmacist, django_user_model):
    from tests.prescriptions.conftest import submit

    own = submit(pharmacist)
    with pytest.raises(services.NotPermitted):
        services.claim_for_review(prescription=own, reviewer=pharmacist)


# --- Two at once (PostgreSQL row locks) ---------------------------------------------------

# Skipped elsewhere, and a usage error under RXSHOP_REQUIRE_SERVICES=1 (CI): never silently skipped there.
postgres_only = pytest.mark.postgresql


def run_together(*calls):
    """Run each call in its own thread and database connection, released at the same moment."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=10)
            results[index] = ("ok", call())
        except Exception as error:  # noqa: BLE001 - the test inspects it
            results[index] = ("error", error)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_claims_have_exactly_one_winner(prescription, pharmacist, second_pharmacist):
    for _ in range(3):
        results = run_together(
            lambda: services.claim_for_review(prescription=prescription, reviewer=pharmacist),
            lambda: services.claim_for_review(prescription=prescription, reviewer=second_pharmacist),
        )
        outcomes = sorted(kind for kind, _ in results)
        assert outcomes == ["error", "ok"], results
        loser = next(value for kind, value in results if kind == "error")
        assert isinstance(loser, services.ClaimedByAnother)
        assert ReviewClaim.objects.filter(released_at__isnull=True).count() == 1
        winner = ReviewClaim.objects.get(released_at__isnull=True)
        services.release_claim(prescription=prescription, reviewer=winner.reviewer)
    assert PrescriptionEvent.objects.filter(prescription=prescription, to_status=S.IN_REVIEW).count() == 1


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_verify_requests_record_one_verification(prescription, technician, pharmacist):
    transcribe(prescription, technician)
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    clients = [staff_client(pharmacist), staff_client(pharmacist)]  # two tabs, one double click
    url = review_url(prescription, "pharmacy-verify")
    results = run_together(*(lambda c=c: c.post(url, {"version": 1}) for c in clients))
    statuses = sorted(response.status_code for kind, response in results if kind == "ok")
    assert len(statuses) == 2, results
    assert ReviewDecision.objects.filter(prescription=prescription).count() == 1
    assert PrescriptionEvent.objects.filter(prescription=prescription, to_status=S.VERIFIED).count() == 1
    prescription.refresh_from_db()
    assert prescription.status == S.VERIFIED


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_verify_and_reject_at_once_have_one_winner(prescription, technician, pharmacist):
    transcribe(prescription, technician)
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    results = run_together(
        lambda: services.verify_prescription(
            prescription=prescription, pharmacist=pharmacist, expected_version=1, warning_overrides={}
        ),
        lambda: services.reject_prescription(
            prescription=prescription, pharmacist=pharmacist, reason_code="not_valid", message_to_customer="No."
        ),
    )
    assert sorted(kind for kind, _ in results) == ["error", "ok"], results
    assert ReviewDecision.objects.filter(prescription=prescription).count() == 1
    assert (
        PrescriptionEvent.objects.filter(prescription=prescription, to_status__in=[S.VERIFIED, S.REJECTED]).count() == 1
    )
