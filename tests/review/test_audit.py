"""The audit trail: append-only records of decisions, transcription changes,
claims and file opens, the inspector's history and its CSV export (issue 5 §5)."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
from django.contrib import admin
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from prescriptions.models import AppendOnlyError, PrescriptionFileAccess
from prescriptions.review import services
from prescriptions.review.models import (
    AuditExport,
    ReviewClaim,
    ReviewDecision,
    Transcription,
    TranscriptionChange,
)

from .conftest import good_transcription, staff_client

pytestmark = pytest.mark.django_db


def url(prescription, name):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


@pytest.fixture
def verified(claimed, pharmacist):
    services.verify_prescription(
        prescription=claimed, pharmacist=pharmacist, expected_version=1, warning_overrides={}, ip_address="192.0.2.10"
    )
    claimed.refresh_from_db()
    return claimed


def test_every_staff_file_open_from_the_review_screen_is_logged(prescription, technician, technician_client):
    page = technician_client.get(url(prescription, "pharmacy-review")).content.decode()
    prescription_file = prescription.files.get()
    file_url = f"/prescriptions/files/{prescription_file.public_id}/"
    assert file_url in page
    for _ in range(2):
        assert technician_client.get(file_url, REMOTE_ADDR="203.0.113.77").status_code == 200
    accesses = PrescriptionFileAccess.objects.filter(file=prescription_file)
    assert accesses.count() == 2
    assert {(a.user, a.ip_address) for a in accesses} == {(technician, "203.0.113.77")}


def test_audit_rows_cannot_be_changed_or_deleted(verified, technician):
    decision = ReviewDecision.objects.get()
    change = TranscriptionChange.objects.first()
    export = services.record_history_export(
        prescription=verified, user=verified.review_decisions.get().decided_by, row_count=1, sha256="0" * 64
    )
    for row in (decision, change, export):
        with pytest.raises(AppendOnlyError):
            row.save()
        with pytest.raises(AppendOnlyError):
            row.delete()
        with pytest.raises(AppendOnlyError):
            type(row).objects.all().delete()
        with pytest.raises(AppendOnlyError):
            type(row).objects.update(ip_address=None)
    assert ReviewDecision.objects.count() == 1 and AuditExport.objects.count() == 1


def test_claims_and_transcriptions_are_never_deleted_and_claims_never_rewritten(verified, technician):
    claim = ReviewClaim.objects.first()
    claim.reviewer = technician
    with pytest.raises(AppendOnlyError):
        claim.save()
    with pytest.raises(AppendOnlyError):
        claim.save(update_fields=["reviewer"])
    with pytest.raises(AppendOnlyError):
        ReviewClaim.objects.update(reviewer=technician)
    with pytest.raises(AppendOnlyError):
        ReviewClaim.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        Transcription.objects.get().delete()
    with pytest.raises(AppendOnlyError):
        Transcription.objects.all().delete()


def test_the_admin_shows_the_audit_read_only(shop_admin):
    request = RequestFactory().get("/admin/")
    request.user = shop_admin  # a superuser, who could otherwise do anything
    for model in (Transcription, TranscriptionChange, ReviewClaim, ReviewDecision, AuditExport):
        model_admin = admin.site._registry[model]
        assert model_admin.has_view_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_admin_pages_have_no_save_or_delete(verified, shop_admin):
    client = staff_client(shop_admin)
    decision = ReviewDecision.objects.get()
    page = client.get(reverse("admin:review_reviewdecision_change", args=[decision.pk]))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content and b"deletelink" not in page.content
    assert (
        client.post(reverse("admin:review_reviewdecision_delete", args=[decision.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert ReviewDecision.objects.filter(pk=decision.pk).exists()


def test_history_lists_everything_in_time_order(verified, pharmacist, technician, pharmacist_client):
    file_url = f"/prescriptions/files/{verified.files.get().public_id}/"
    pharmacist_client.get(file_url, REMOTE_ADDR="198.51.100.23")
    response = pharmacist_client.get(url(verified, "pharmacy-history"))
    assert response.status_code == 200
    entries = response.context["entries"]
    kinds = [entry.kind for entry in entries]
    for kind in ("status", "transcription", "claim", "claim-ended", "evaluation", "decision", "file-open"):
        assert kind in kinds, kind
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    assert kinds.index("transcription") < kinds.index("decision")
    page = response.content.decode()
    decision = ReviewDecision.objects.get()
    assert decision.evaluation_fingerprint in page and "198.51.100.23" in page and "Tom Becker" in page
    assert "drug_name" in page and "— → Isotretinoin" in page  # old → new


def test_inspector_finds_a_prescription_by_reference(verified, pharmacist_client):
    response = pharmacist_client.get(reverse("dashboard:pharmacy-inspector"), {"reference": verified.reference.lower()})
    assert response.status_code == 302 and response["Location"] == url(verified, "pharmacy-history")
    response = pharmacist_client.get(reverse("dashboard:pharmacy-inspector"), {"reference": "RX-00000000"})
    assert "No prescription has that reference" in response.content.decode()
    assert verified.reference in pharmacist_client.get(reverse("dashboard:pharmacy-inspector")).content.decode()


def test_inspector_csv_contains_the_history_and_the_export_is_logged(verified, pharmacist, pharmacist_client):
    pharmacist_client.get(f"/prescriptions/files/{verified.files.get().public_id}/")
    response = pharmacist_client.get(url(verified, "pharmacy-history-csv"), REMOTE_ADDR="192.0.2.99")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith(f'attachment; filename="{verified.reference}-history-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    kinds = {row["kind"] for row in rows}
    assert {
        "Status change",
        "Transcription change",
        "Claimed",
        "Compliance evaluation",
        "Decision",
        "File opened",
    } <= kinds
    decision = ReviewDecision.objects.get()
    assert any(decision.evaluation_fingerprint in row["details"] for row in rows)
    assert all(row["prescription"] == verified.reference for row in rows)
    times = [datetime.datetime.fromisoformat(row["time_utc"]) for row in rows]
    assert times == sorted(times)
    export = AuditExport.objects.get()
    assert (export.exported_by, export.row_count, export.ip_address) == (pharmacist, len(rows), "192.0.2.99")
    import hashlib

    assert export.sha256 == hashlib.sha256(response.content).hexdigest()
    # the next export shows the first one
    again = pharmacist_client.get(url(verified, "pharmacy-history-csv")).content.decode()
    assert "History exported" in again


def test_a_technician_cannot_open_the_inspector(verified, technician_client):
    for name in ("pharmacy-history", "pharmacy-history-csv"):
        assert technician_client.get(url(verified, name)).status_code == 403
    assert not AuditExport.objects.exists()


def test_transcription_changes_keep_who_when_and_where(prescription, technician):
    services.claim_for_review(prescription=prescription, reviewer=technician)
    services.save_transcription(
        prescription=prescription,
        user=technician,
        data=good_transcription(),
        expected_version=0,
        ip_address="203.0.113.5",
    )
    change = TranscriptionChange.objects.get()
    assert (change.changed_by, change.changed_by_name, change.ip_address) == (technician, "Tom Becker", "203.0.113.5")
    assert abs(change.changed_at - timezone.now()) < datetime.timedelta(minutes=1)


def test_csv_cells_from_customers_cannot_run_as_spreadsheet_formulas(claimed, alice, pharmacist, pharmacist_client):
    from prescriptions.services import answer_information_request

    alice.first_name = '=HYPERLINK("http://evil.example","x")'
    alice.save(update_fields=["first_name"])
    services.request_information(prescription=claimed, pharmacist=pharmacist, question="Which clinic?")
    answer_information_request(prescription=claimed, customer=alice, answer="The one on Main Street.")
    body = pharmacist_client.get(url(claimed, "pharmacy-history-csv")).content.decode()
    rows = list(csv.DictReader(io.StringIO(body)))
    answered = next(row for row in rows if "HYPERLINK" in row["actor"])
    assert answered["actor"].startswith("'=HYPERLINK")
    assert all(not value.startswith(("=", "+", "@")) for row in rows for value in row.values())
