"""Transfer in: the patient's request becomes an item on the pharmacy's refills page (with its
age); a pharmacist records it, and the DEA's transfer rules refuse what federal law forbids.
Recording it takes the prescription over: transcribed on the call, judged by the rules as at
any verification, created verified by that pharmacist with the fills transferred, so the
patient can refill it here; if the rules block, nothing is created."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone
from oscar.core.loading import get_model

from compliance.models import ComplianceEvaluation
from infra.i18n import remember_language
from prescriptions import gate
from prescriptions.models import Prescription, PrescriptionStatus, TransferRequest
from prescriptions.review.models import Outcome, ReviewDecision
from tests.factories import ControlledProductFactory, product, staff_client, submit

BasketLine = get_model("basket", "Line")

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
TODAY = datetime.datetime(2026, 12, 1, 12, 0, tzinfo=NEW_YORK)
DOXY = "RX-DOXY-100"


def ask_for_transfer(client, patient, drug="Doxycycline hyclate 100 mg capsules") -> TransferRequest:
    response = client.post(
        "/prescriptions/transfer/",
        {
            "patient": patient.pk,
            "pharmacy_name": "Corner Drugs",
            "pharmacy_phone": "+1 212 555 0142",
            "prescription_number": "6012345",
            "drug": drug,
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    return TransferRequest.objects.get()


def worked(upc: str = DOXY, **changes) -> dict:
    """The pharmacist's form: a doxycycline prescription written 1 October 2026 with 5 refills,
    filled at Corner Drugs, 3 fills left."""
    values = {
        "outcome": "transferred",
        "transferring_pharmacist": "Sam Lee, RPh",
        "transferring_pharmacy_address": "1 Corner St, Brooklyn, NY 11201",
        "transferring_pharmacy_dea": "",
        "filled": "on",
        "electronic": "on",
        "first_filled_on": "2026-10-02",
        "product": product(upc).pk,
        "quantity": "28",
        "days_supply": "28",
        "directions": "Take one capsule by mouth daily with a full glass of water.",
        "prescriber_name": "Jane Smith, MD",
        "prescriber_phone": "+1 518 555 0199",
        "prescriber_address": "1 Main St, Albany, NY 12207",
        "prescriber_npi": "1234567893",
        "date_written": "2026-10-01",
        "refills_authorized": "5",
        "fills_remaining": "3",
    }
    values.update(changes)
    return {k: v for k, v in values.items() if v is not None}


def post_work(client, item, data, **overrides):
    data = {**data, **{f"override__{rule}": reason for rule, reason in overrides.items()}}
    return client.post(f"/dashboard/pharmacy/transfers/{item.public_id}/", data)


def test_a_transfer_request_is_worked_by_a_pharmacist_under_the_dea_rules(alice_client, alice, pharmacist, technician):
    submit(alice, "RX-DOXY-100")  # her patient record
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=30)):
        item = ask_for_transfer(alice_client, alice.patients.get(), drug="Tramadol 50 mg tablets")
    assert item.state == TransferRequest.State.REQUESTED and item.customer == alice

    page = staff_client(technician).get("/dashboard/pharmacy/refills/").content.decode()
    assert item.reference in page and "Corner Drugs" in page and "30 h" in page
    assert staff_client(technician).get(f"/dashboard/pharmacy/transfers/{item.public_id}/").status_code == 403

    pharmacist_client = staff_client(pharmacist)
    # Refills of a Schedule IV prescription that was already transferred once cannot move again.
    before = Prescription.objects.count()
    response = post_work(
        pharmacist_client,
        item,
        worked("RX-TRAM-50", transferring_pharmacy_dea="BC1234563", prescriber_dea_number="AS1234563")
        | {"transferred_before": "on"},
    )
    assert response.status_code == 200 and "21 CFR 1306.25(a)" in response.content.decode()
    item.refresh_from_db()
    assert item.state == TransferRequest.State.REQUESTED and Prescription.objects.count() == before
    # A controlled substance's transfer needs the transferring pharmacy's DEA registration.
    response = post_work(pharmacist_client, item, worked("RX-TRAM-50"))
    assert "DEA registration" in response.content.decode()


def test_a_refused_transfer_tells_the_patient_why(alice_client, alice, pharmacist):
    submit(alice, "RX-DOXY-100")
    item = ask_for_transfer(alice_client, alice.patients.get())
    staff_client(pharmacist).post(
        f"/dashboard/pharmacy/transfers/{item.public_id}/",
        {"outcome": "refused", "note": "Corner Drugs has no refills left on it."},
    )
    page = alice_client.get("/prescriptions/transfer/").content.decode()
    assert "Could not be transferred" in page and "no refills left on it" in page
    assert not TransferRequest.objects.get().prescription


def test_one_cannot_ask_for_a_transfer_for_someone_elses_patient(alice_client, bob):
    submit(bob, "RX-DOXY-100")
    response = alice_client.post(
        "/prescriptions/transfer/",
        {
            "patient": bob.patients.get().pk,
            "pharmacy_name": "X",
            "pharmacy_phone": "1",
            "prescription_number": "1",
            "drug": "Y",
        },
    )
    assert response.status_code == 200 and not TransferRequest.objects.exists()


def take_over(alice_client, alice, pharmacist, data=None):
    """Alice asks, the pharmacist records the transfer (overriding each warning with a reason)."""
    submit(alice, DOXY)  # her patient record
    item = ask_for_transfer(alice_client, alice.patients.get())
    client = staff_client(pharmacist)
    response = post_work(client, item, data or worked())
    if response.status_code == 200 and "needs a reason" in response.content.decode():
        rules = [f.rule_id for f in response.context["needs_reason"]]
        response = post_work(client, item, data or worked(), **dict.fromkeys(rules, "Checked with the patient."))
    assert response.status_code == 302, response.content.decode()
    item.refresh_from_db()
    return item


def test_recording_a_transfer_takes_the_prescription_over_verified_with_the_fills_left(alice_client, alice, pharmacist):
    with time_machine.travel(TODAY, tick=False):
        item = take_over(alice_client, alice, pharmacist)
    rx = item.prescription
    assert item.state == TransferRequest.State.TRANSFERRED and item.worked_by == pharmacist
    assert (item.transferring_pharmacist, item.fills_remaining, item.first_filled_on) == (
        "Sam Lee, RPh",
        3,
        datetime.date(2026, 10, 2),
    )
    # Verified by that pharmacist, for Alice, with the 3 fills that were left (6 written, 3 used there).
    assert (rx.status, rx.customer, rx.patient) == (PrescriptionStatus.VERIFIED, alice, alice.patients.get())
    assert (rx.product.upc, rx.quantity, rx.refills_authorized, rx.fills_used, rx.fills_remaining) == (
        DOXY,
        28,
        5,
        3,
        3,
    )
    # One year from the original date written (not from today), as at any verification in New York.
    assert rx.expires_on == datetime.date(2027, 10, 1)
    assert not rx.files.exists() and rx.transfer_in == item
    (event,) = rx.events.all()
    assert (event.from_status, event.to_status, event.actor, event.reason_code) == (
        "",
        PrescriptionStatus.VERIFIED,
        pharmacist,
        "transferred_in",
    )
    name = pharmacist.get_full_name() or pharmacist.get_username()
    assert event.reason == f"Transferred in from Corner Drugs (their Rx #6012345) by {name}."
    # The rules' evaluation (at verification) is stored about it, and the decision cites it.
    evaluation = ComplianceEvaluation.objects.get(prescription_id=rx.pk)
    assert evaluation.stage == "verify" and evaluation.passed and evaluation.actor == pharmacist
    decision = ReviewDecision.objects.get(prescription=rx)
    assert (decision.outcome, decision.evaluation, decision.event, decision.expires_on) == (
        Outcome.VERIFIED,
        evaluation,
        event,
        rx.expires_on,
    )
    t = rx.transcription
    assert (t.date_written, t.refills, t.days_supply, t.prescriber_npi, t.latest_evaluation) == (
        datetime.date(2026, 10, 1),
        5,
        28,
        "1234567893",
        evaluation,
    )
    assert "Corner Drugs" in t.completion_note
    # The request no longer waits in the queue; the patient's list of requests says transferred.
    assert item.reference not in staff_client(pharmacist).get("/dashboard/pharmacy/refills/").content.decode()
    assert "Transferred" in alice_client.get("/prescriptions/transfer/").content.decode()


def test_schedule_iii_refills_transferred_before_are_refused_and_nothing_is_created(
    alice_client, alice, pharmacist, settings
):
    settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED = True  # so that only the transfer rule can refuse
    ketamine_like = ControlledProductFactory(
        upc="TEST-C3", title="Testosterone cypionate 200 mg/mL (1 mL)", drug__dea_schedule=3
    )
    submit(alice, DOXY)
    item = ask_for_transfer(alice_client, alice.patients.get())
    data = worked(
        transferring_pharmacy_dea="BC1234563",
        prescriber_dea_number="AS1234563",
        product=ketamine_like.pk,
        quantity="30",
        transferred_before="on",
    )
    before = (Prescription.objects.count(), ComplianceEvaluation.objects.count())
    with time_machine.travel(TODAY, tick=False):
        response = post_work(staff_client(pharmacist), item, data)
    page = response.content.decode()
    assert response.status_code == 200 and "21 CFR 1306.25(a)" in page and "transferred before" in page
    item.refresh_from_db()
    assert item.state == TransferRequest.State.REQUESTED and item.prescription is None
    assert (Prescription.objects.count(), ComplianceEvaluation.objects.count()) == before


def test_isotretinoin_cannot_be_transferred(alice_client, alice, pharmacist):
    submit(alice, DOXY)
    item = ask_for_transfer(alice_client, alice.patients.get(), drug="Isotretinoin 20 mg")
    client = staff_client(pharmacist)
    before = Prescription.objects.count()
    iso = {"quantity": "30", "days_supply": "30"}
    with time_machine.travel(TODAY, tick=False):
        # Filled there: iPLEDGE allows no refills, so nothing is left to move.
        page = post_work(client, item, worked("RX-ISO-20", refills_authorized="1", fills_remaining="1", **iso))
        assert "transfer.programme" in page.content.decode() and "iPLEDGE" in page.content.decode()
        # Unfilled but written with a refill: the programme's own rule at verification blocks it,
        # and the pharmacist sees that finding.
        page = post_work(
            client,
            item,
            worked("RX-ISO-20", refills_authorized="1", fills_remaining="2", filled=None, first_filled_on=None, **iso),
        )
    assert "ipledge.no-refills" in page.content.decode() and page.context["blocks"]
    item.refresh_from_db()
    assert item.state == TransferRequest.State.REQUESTED and Prescription.objects.count() == before


def test_an_expired_prescription_is_not_taken_over(alice_client, alice, pharmacist):
    submit(alice, DOXY)
    item = ask_for_transfer(alice_client, alice.patients.get())
    before = Prescription.objects.count()
    with time_machine.travel(TODAY, tick=False):
        response = post_work(staff_client(pharmacist), item, worked(date_written="2025-11-30"))
    assert "rx.expiry" in response.content.decode()
    assert Prescription.objects.count() == before and TransferRequest.objects.get().state == "requested"


def test_the_patient_refills_the_transferred_prescription_and_the_gate_accepts_it(alice_client, alice, pharmacist):
    with time_machine.travel(TODAY, tick=False):
        item = take_over(alice_client, alice, pharmacist)
        rx = item.prescription
        page = alice_client.get("/prescriptions/").content.decode()
        assert "Transferred from Corner Drugs" in page and rx.reference in page
        assert 'data-refill-state="available"' in page and "3 fills left" in page
        detail = alice_client.get(f"/prescriptions/{rx.public_id}/").content.decode()
        assert "Transferred from Corner Drugs" in detail and "6012345" in detail

        response = alice_client.post(f"/prescriptions/{rx.public_id}/refill/")
        assert response.status_code == 302 and response["Location"] == "/basket/"
        line = BasketLine.objects.get(basket__owner=alice, basket__status="Open")
        assert (line.product.upc, line.quantity, line.prescription_id) == (DOXY, 1, rx.pk)
        # The checkout gate covers it as any verified prescription.
        assert gate.refusals_for_basket(line.basket, ship_to_state="NY") == []
        response = alice_client.get("/checkout/")
        assert not (response.status_code == 302 and response["Location"] == "/basket/")

        # In Spanish too.
        remember_language(alice, "es")
        alice_client.cookies["django_language"] = "es"
        assert "Transferida desde Corner Drugs el" in alice_client.get("/prescriptions/").content.decode()
        detail = alice_client.get(f"/prescriptions/{rx.public_id}/").content.decode()
        assert "Transferida desde Corner Drugs" in detail and "su número de receta 6012345" in detail


def test_the_pharmacy_pages_show_where_a_transferred_prescription_came_from(alice_client, alice, pharmacist):
    with time_machine.travel(TODAY, tick=False):
        item = take_over(alice_client, alice, pharmacist)
    rx = item.prescription
    client = staff_client(pharmacist)
    review = client.get(f"/dashboard/pharmacy/prescriptions/{rx.public_id}/")
    assert review.status_code == 200
    assert "Transferred from Corner Drugs" in review.content.decode() and "No document" not in review.content.decode()
    history = client.get(f"/dashboard/pharmacy/history/{rx.public_id}/")
    assert history.status_code == 200
    page = history.content.decode()
    assert "Transferred in from Corner Drugs (their Rx #6012345)" in page and "Sam Lee, RPh" in page
    export = client.get(f"/dashboard/pharmacy/history/{rx.public_id}/export.csv")
    assert export.status_code == 200 and "Transferred in from Corner Drugs" in export.content.decode()
    worked_page = client.get(f"/dashboard/pharmacy/transfers/{item.public_id}/").content.decode()
    assert "Taken over as prescription" in worked_page and rx.reference in worked_page


def test_each_warning_needs_the_pharmacists_reason_before_the_prescription_is_taken_over(
    alice_client, alice, pharmacist
):
    submit(alice, DOXY)
    item = ask_for_transfer(alice_client, alice.patients.get())
    client = staff_client(pharmacist)
    # 28 capsules, one a day, said to last 14 days: the rules warn (quantity against days' supply).
    mismatched = worked(days_supply="14")
    before = Prescription.objects.count()
    with time_machine.travel(TODAY, tick=False):
        response = post_work(client, item, mismatched)
        assert response.status_code == 200 and "needs a reason" in response.content.decode()
        rules = [f.rule_id for f in response.context["needs_reason"]]
        assert "rx.quantity-days-supply" in rules and Prescription.objects.count() == before
        response = post_work(client, item, mismatched, **dict.fromkeys(rules, "Asked the patient on the phone."))
    assert response.status_code == 302
    decision = ReviewDecision.objects.get(prescription=TransferRequest.objects.get().prescription)
    assert {o["rule_id"]: o["override_reason"] for o in decision.warning_overrides} == dict.fromkeys(
        rules, "Asked the patient on the phone."
    )


@pytest.mark.parametrize(
    "today, allowed",
    [(datetime.date(2026, 12, 15), False), (datetime.date(2026, 12, 16), True)],  # 25 Nov + 75 % of 28 days
)
def test_the_refill_too_soon_rule_counts_from_the_last_fill_at_the_other_pharmacy(
    alice_client, alice, pharmacist, today, allowed
):
    from prescriptions.refills import refill_info

    with time_machine.travel(TODAY, tick=False):
        item = take_over(alice_client, alice, pharmacist, data=worked(last_filled_on="2026-11-25"))
    assert item.last_filled_on == datetime.date(2026, 11, 25)
    status = refill_info(item.prescription, today=today).status
    assert status.may_order is allowed
    assert status.earliest_on == datetime.date(2026, 12, 16)


def test_without_a_later_refill_the_original_dispensing_is_the_last_fill(alice_client, alice, pharmacist):
    with time_machine.travel(TODAY, tick=False):
        item = take_over(alice_client, alice, pharmacist)
    assert item.last_filled_on == datetime.date(2026, 10, 2)


@pytest.mark.parametrize(
    "last, message",
    [("2026-10-01", "before the original dispensing"), ("2026-12-02", "in the future")],
)
def test_an_impossible_last_fill_date_is_refused(alice_client, alice, pharmacist, last, message):
    with time_machine.travel(TODAY, tick=False):
        submit(alice, DOXY)
        item = ask_for_transfer(alice_client, alice.patients.get())
        response = post_work(staff_client(pharmacist), item, worked(last_filled_on=last))
    assert message in response.content.decode()
    item.refresh_from_db()
    assert item.state == TransferRequest.State.REQUESTED and item.prescription is None
