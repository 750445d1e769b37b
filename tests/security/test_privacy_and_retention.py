"""Data retention and privacy: closing an account keeps the pharmacy's records,
"Download my data" gives customers their own data (and nobody else's), and
records are purged only once past ``RXSHOP_RETENTION_YEARS``."""

from __future__ import annotations

import datetime
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import ProtectedError
from django.test import Client
from django.utils import timezone
from oscar.core.loading import get_model

from compliance.models import ComplianceEvaluation
from prescriptions import retention, services
from prescriptions.models import (
    Patient,
    Prescription,
    PrescriptionEvent,
    PrescriptionFile,
    PrescriptionFileAccess,
    private_storage,
)
from prescriptions.models import (
    PrescriptionStatus as S,
)
from prescriptions.review import services as review
from prescriptions.review.models import ReviewClaim, ReviewDecision, Transcription
from tests.prescriptions.conftest import submit
from tests.review.conftest import good_transcription, staff_client, transcribe

from .world import build_order_for

pytestmark = pytest.mark.django_db

UserAddress = get_model("address", "UserAddress")
Country = get_model("address", "Country")
OrderLine = get_model("order", "Line")
Order = get_model("order", "Order")
User = get_user_model()


def verified(customer, technician, pharmacist) -> Prescription:
    """Uploaded, transcribed by the technician, verified by the pharmacist (the review services)."""
    prescription = submit(customer)
    transcribe(prescription, technician, good_transcription())
    prescription.refresh_from_db()
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides={f.rule_id: "Checked with the prescriber." for f in evaluation.warnings},
    )
    prescription.refresh_from_db()
    assert prescription.status == S.VERIFIED
    return prescription


def expired(prescription) -> Prescription:
    services.expire_prescriptions(today=prescription.expires_on + datetime.timedelta(days=1))
    prescription.refresh_from_db()
    assert prescription.status == S.EXPIRED
    return prescription


def stored(prescription) -> list[str]:
    return [f.stored_name for f in prescription.files.all() if f.stored_name]


def add_address(user):
    return UserAddress.objects.create(
        user=user,
        first_name=user.first_name,
        last_name=user.last_name,
        line1="22 Jay Street",
        line4="Brooklyn",
        state="NY",
        postcode="11201",
        country=Country.objects.get(iso_3166_1_a2="US"),
    )


# --- Closing an account -------------------------------------------------------------------------


def test_prescriptions_protect_the_account_from_deletion(alice):
    submit(alice)
    with pytest.raises(ProtectedError):
        alice.delete()


def test_the_delete_page_says_what_the_pharmacy_keeps_and_for_how_long(alice_client, alice, settings):
    settings.RXSHOP_RETENTION_YEARS = 7
    submit(alice)
    page = alice_client.get("/accounts/profile/delete/").content.decode()
    assert "keep prescription, dispensing and order records for 7 years" in page
    assert "Close my account" in page and "/accounts/my-data/" in page


def test_closing_an_account_keeps_the_pharmacy_records_and_anonymises_the_account(alice_client, alice):
    prescription = submit(alice)
    order = build_order_for(alice)
    add_address(alice)
    files_before = stored(prescription)
    events_before = PrescriptionEvent.objects.filter(prescription=prescription).count()

    response = alice_client.post("/accounts/profile/delete/", {"password": "alice-demo-2026"})
    assert response.status_code == 302
    assert "_auth_user_id" not in alice_client.session  # signed out

    alice.refresh_from_db()
    assert not alice.is_active and not alice.has_usable_password()
    assert alice.email.endswith("@closed.invalid") and alice.first_name == alice.last_name == ""
    assert not UserAddress.objects.filter(user=alice).exists()
    # The pharmacy's records are untouched.
    assert Prescription.objects.filter(pk=prescription.pk, customer=alice).exists()
    assert PrescriptionEvent.objects.filter(prescription=prescription).count() == events_before
    assert Patient.objects.filter(account=alice).exists()
    assert all(private_storage().exists(name) for name in files_before)
    assert Order.objects.filter(pk=order.pk, user=alice).exists()
    # And nobody can sign in to it any more.
    again = Client()
    again.post(
        "/accounts/login/",
        {"login-username": "alice@example.com", "login-password": "alice-demo-2026", "login_submit": "1"},
    )
    assert "_auth_user_id" not in again.session


def test_an_account_with_nothing_to_keep_is_deleted(bob):
    client = Client()
    client.force_login(bob)
    add_address(bob)
    assert client.post("/accounts/profile/delete/", {"password": "bob-demo-2026"}).status_code == 302
    assert not User.objects.filter(pk=bob.pk).exists()


def test_a_wrong_password_closes_nothing(alice_client, alice):
    response = alice_client.post("/accounts/profile/delete/", {"password": "not-her-password"})
    assert response.status_code == 200
    alice.refresh_from_db()
    assert alice.is_active and alice.email == "alice@example.com"


# --- Download my data --------------------------------------------------------------------------------


INTERNAL_NOTE = "Internal: prescriber's office confirmed by phone, ref 7731"


@pytest.fixture
def alices_history(alice, bob, pharmacist, technician):
    """Alice: a verified prescription on which the pharmacist noted an internal reason,
    then one with a question; an order. Bob: a prescription of his own."""
    mine = verified(alice, technician, pharmacist)
    asked = submit(alice)
    review.claim_for_review(prescription=asked, reviewer=pharmacist)
    review.request_information(
        prescription=asked, pharmacist=pharmacist, question="Is the date on page 2 right?", note=INTERNAL_NOTE
    )
    order = build_order_for(alice)
    bobs = submit(bob)
    return mine, asked, order, bobs


def test_my_data_page_and_download(alice_client, alices_history):
    mine, asked, order, bobs = alices_history
    assert "Download my data" in alice_client.get("/accounts/profile/").content.decode()  # in the account menu
    page = alice_client.get("/accounts/my-data/")
    assert page.status_code == 200 and b'href="?download=json"' in page.content

    response = alice_client.get("/accounts/my-data/?download=json")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith('attachment; filename="rxshop-my-data-')
    assert response["Cache-Control"] == "no-store, private"
    data = json.loads(response.content)
    assert data["profile"]["email"] == "alice@example.com"
    references = [p["reference"] for p in data["prescriptions"]]
    assert references == [mine.reference, asked.reference]
    assert bobs.reference not in response.content.decode()
    question = data["prescriptions"][1]
    assert question["history"][-1]["message_from_the_pharmacy"] == "Is the date on page 2 right?"
    assert question["files"][0]["type"] == "PDF"
    assert [o["number"] for o in data["orders"]] == [str(order.number)]
    assert data["patients"][0]["date_of_birth"] == "1994-05-17"


def test_my_data_leaves_out_what_is_for_the_pharmacys_records_only(alice_client, alices_history):
    mine, _asked, _order, _bobs = alices_history
    internal = [e.reason for e in PrescriptionEvent.objects.filter(prescription=mine) if e.reason]
    pharmacist = User.objects.get(email="pharmacist@example.com")
    text = alice_client.get("/accounts/my-data/?download=json").content.decode()
    for value in internal + [
        INTERNAL_NOTE,
        pharmacist.get_full_name(),
        pharmacist.email,
        "1 Main St, Albany",  # the transcription
        "1234567893",
    ]:  # (prescriber's address and NPI, as staff transcribed them)
        assert value not in text, value
    assert "evaluation" not in text.lower() and "transcription" not in text.lower()


def test_my_data_needs_a_sign_in(client, demo_shop):
    response = client.get("/accounts/my-data/?download=json")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- The retention purge -----------------------------------------------------------------------------


def years_later(years: int, days: int = 1) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(days=365 * years + years // 4 + days)


def test_the_cutoff_is_the_retention_period_before_now(settings):
    settings.RXSHOP_RETENTION_YEARS = 6
    now = datetime.datetime(2032, 2, 29, 12, tzinfo=datetime.UTC)
    assert retention.retention_cutoff(now) == datetime.datetime(2026, 2, 28, 12, tzinfo=datetime.UTC)


@pytest.fixture
def old_closed_prescription(alice, technician, pharmacist, django_capture_on_commit_callbacks):
    """Verified through the review workspace, its file opened by the pharmacist, then expired."""
    with django_capture_on_commit_callbacks(execute=True):
        prescription = verified(alice, technician, pharmacist)
        staff_client(pharmacist).get(f"/prescriptions/files/{prescription.files.get().public_id}/")
        return expired(prescription)


def test_nothing_is_purged_within_the_retention_period(old_closed_prescription):
    report = retention.purge_past_retention(now=years_later(5), dry_run=False)
    assert report.prescriptions == []
    assert Prescription.objects.filter(pk=old_closed_prescription.pk).exists()


def test_the_purge_is_a_dry_run_unless_applied(old_closed_prescription, capsys):
    call_command("purge_past_retention")  # today: nothing is past retention yet
    assert "Would delete 0 prescriptions" in capsys.readouterr().out
    report = retention.purge_past_retention(now=years_later(7))
    assert report.dry_run and report.prescriptions == [old_closed_prescription.reference]
    assert report.rows["prescriptions.Prescription"] == 1 and report.files == 1
    assert Prescription.objects.filter(pk=old_closed_prescription.pk).exists()
    assert PrescriptionEvent.objects.filter(prescription=old_closed_prescription).exists()


def test_the_purge_deletes_the_prescription_and_every_record_about_it(
    old_closed_prescription, alice, django_capture_on_commit_callbacks
):
    prescription = old_closed_prescription
    names = stored(prescription)
    file_ids = list(prescription.files.values_list("pk", flat=True))
    evaluations = set(ReviewDecision.objects.filter(prescription=prescription).values_list("evaluation_id", flat=True))
    assert PrescriptionFileAccess.objects.filter(file_id__in=file_ids).exists()
    assert evaluations and Transcription.objects.filter(prescription=prescription).exists()
    order = build_order_for(alice)
    line = order.lines.first()
    OrderLine.objects.filter(pk=line.pk).update(prescription=prescription)

    with django_capture_on_commit_callbacks(execute=True):
        report = retention.purge_past_retention(now=years_later(7), dry_run=False)

    assert report.prescriptions == [prescription.reference]
    assert not Prescription.objects.filter(pk=prescription.pk).exists()
    assert not PrescriptionEvent.objects.filter(prescription_id=prescription.pk).exists()
    assert not PrescriptionFile.objects.filter(pk__in=file_ids).exists()
    assert not PrescriptionFileAccess.objects.filter(file_id__in=file_ids).exists()
    assert not Transcription.objects.filter(prescription_id=prescription.pk).exists()
    assert not ReviewClaim.objects.filter(prescription_id=prescription.pk).exists()
    assert not ReviewDecision.objects.filter(prescription_id=prescription.pk).exists()
    assert not ComplianceEvaluation.objects.filter(pk__in=evaluations).exists()
    assert not any(private_storage().exists(name) for name in names)
    # The sale stays: the order line only loses its link. Alice's account (active) stays.
    line.refresh_from_db()
    assert line.prescription_id is None and Order.objects.filter(pk=order.pk).exists()
    assert User.objects.filter(pk=alice.pk, is_active=True).exists()


def test_open_prescriptions_and_recent_orders_hold_a_prescription_back(
    old_closed_prescription, alice, technician, pharmacist
):
    open_one = submit(alice)  # never decided: never purged
    kept_by_order = expired(verified(alice, technician, pharmacist))
    order = build_order_for(alice)
    OrderLine.objects.filter(order=order).update(prescription=kept_by_order)
    Order.objects.filter(pk=order.pk).update(date_placed=years_later(3))  # sold three years on

    report = retention.purge_past_retention(now=years_later(7), dry_run=False)

    assert report.prescriptions == [old_closed_prescription.reference]
    assert Prescription.objects.filter(pk__in=[open_one.pk, kept_by_order.pk]).count() == 2


def test_a_closed_account_is_deleted_once_its_records_are_past_retention(old_closed_prescription, alice, alice_client):
    alice_client.post("/accounts/profile/delete/", {"password": "alice-demo-2026"})
    assert Prescription.objects.filter(customer=alice).exists()  # closing kept them

    report = retention.purge_past_retention(now=years_later(7), dry_run=False)

    assert report.patients == 1 and report.accounts == 1
    assert not User.objects.filter(pk=alice.pk).exists()


def test_retention_is_a_setting(old_closed_prescription, settings):
    settings.RXSHOP_RETENTION_YEARS = 10
    assert retention.purge_past_retention(now=years_later(7), dry_run=False).prescriptions == []
    assert retention.purge_past_retention(now=years_later(11), dry_run=False).prescriptions == [
        old_closed_prescription.reference
    ]


def test_the_command_applies_the_purge(old_closed_prescription, capsys, monkeypatch):
    monkeypatch.setattr(retention, "retention_cutoff", lambda now=None, years=None: years_later(1))
    call_command("purge_past_retention", "--apply")
    out = capsys.readouterr().out
    assert f"Deleted 1 prescriptions: {old_closed_prescription.reference}" in out
    assert "prescriptions.PrescriptionEvent:" in out
    assert not Prescription.objects.filter(pk=old_closed_prescription.pk).exists()
