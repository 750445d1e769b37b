"""The whole chain against a real localstripe: verified prescription → checkout →
authorised → dispensed → captured; and every way it must stop instead."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core import mail
from django.utils import timezone
from oscar.core.loading import get_model

from compliance import subjects
from compliance.models import ComplianceEvaluation
from payments.models import PaymentAuthorisation
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.models import Dispense, ProgrammeAuthorisation
from prescriptions.models import PrescriptionStatus
from prescriptions.orders import LineStatus, OrderStatus
from prescriptions.review import services as review
from tests.factories import add_to_basket, checkout_to_preview, place_order
from tests.prescriptions.conftest import submit
from tests.review.conftest import good_transcription, transcribe

Order = get_model("order", "Order")
Line = get_model("basket", "Line")

pytestmark = pytest.mark.django_db


def verified_basket_line(client, customer, technician, pharmacist, *, upc="RX-ISO-20", **transcription):
    """The customer puts the drug in the basket and uploads the prescription from
    that line; a technician transcribes it and a pharmacist verifies it."""
    add_to_basket(client, upc)
    line = Line.objects.get(basket__owner=customer, product__upc=upc)
    prescription = submit(customer, upc, basket_line=line)
    transcribe(prescription, technician, good_transcription(**transcription))
    prescription.refresh_from_db()
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)
    version = prescription.transcription.version
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    overrides = {f.rule_id: "Checked with the prescriber by phone." for f in evaluation.warnings}
    review.verify_prescription(
        prescription=prescription, pharmacist=pharmacist, expected_version=version, warning_overrides=overrides
    )
    prescription.refresh_from_db()
    assert prescription.status == PrescriptionStatus.VERIFIED
    return prescription


def place_rx_order(alice_client, alice, technician, pharmacist, *, state="NY", with_otc=True):
    prescription = verified_basket_line(alice_client, alice, technician, pharmacist)
    if with_otc:
        add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client, address={"state": state})
    response = place_order(alice_client)
    return prescription, response


def rma(days_left: int = 14, number: str = "RMA-0042-7781") -> dispensing.AuthorisationInput:
    return dispensing.AuthorisationInput(
        number=number,
        risk_category="cannot",
        quantity=30,
        days_supply=30,
        do_not_dispense_after=timezone.localdate() + datetime.timedelta(days=days_left),
    )


def test_unverified_prescription_line_is_refused_with_what_to_do_next(alice_client, alice):
    add_to_basket(alice_client, "RX-ISO-20")
    line = Line.objects.get(basket__owner=alice)
    submit(alice, "RX-ISO-20", basket_line=line)
    response = alice_client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/basket/"
    messages = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "waiting for our pharmacist to verify it" in messages
    assert "4 business hours" in messages


def test_verified_prescription_goes_through_checkout_and_is_authorised_not_captured(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        prescription, response = place_rx_order(alice_client, alice, technician, pharmacist)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.status == OrderStatus.AWAITING_DISPENSE
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    assert rx_line.prescription_id == prescription.pk
    payment = PaymentAuthorisation.objects.get(order=order)
    assert payment.amount_authorised == order.total_incl_tax and payment.amount_captured == 0
    # The place-order check was stored for the inspector, with its fingerprint.
    stored = ComplianceEvaluation.objects.get(prescription_id=prescription.pk, stage="checkout")
    assert stored.passed and len(stored.fingerprint) == 64
    subject = subjects.parse(stored.subject)
    assert (subject.order_number, subject.line_kind) == (order.number, subjects.BASKET_LINE)


def test_place_order_judges_the_basket_once_and_records_that_judgement(
    alice_client, alice, technician, pharmacist, localstripe, monkeypatch
):
    """The place-order POST ran the whole gate twice (its pre-condition, then again to record
    it): now the pre-condition's judgement is what is recorded; only the coverage count under
    lock runs again, inside the transaction that writes the order."""
    from prescriptions import gate

    verified_basket_line(alice_client, alice, technician, pharmacist)
    checkout_to_preview(alice_client, address={"state": "NY"})
    calls = {"unlocked": 0, "locked": 0, "facts": 0}
    coverage, facts = gate.coverage_for_basket, gate.facts_for_prescription

    def counted_coverage(*args, lock=False, **kwargs):
        calls["locked" if lock else "unlocked"] += 1
        return coverage(*args, lock=lock, **kwargs)

    def counted_facts(*args, **kwargs):
        calls["facts"] += 1
        return facts(*args, **kwargs)

    monkeypatch.setattr(gate, "coverage_for_basket", counted_coverage)
    monkeypatch.setattr(gate, "facts_for_prescription", counted_facts)
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    assert calls == {"unlocked": 1, "locked": 1, "facts": 1}
    [stored] = ComplianceEvaluation.objects.filter(stage="checkout")
    assert stored.passed and subjects.parse(stored.subject).order_number == Order.objects.get().number


def test_a_basket_changed_between_the_check_and_placing_is_judged_again(alice, monkeypatch):
    from prescriptions import gate

    judgement = gate.BasketJudgement(ship_to_state="NY", signature=(), refusals=[], judged=[])
    basket = type("Basket", (), {"all_lines": lambda self: []})()
    assert judgement.still_holds_for(basket, "NY")
    assert not judgement.still_holds_for(basket, "CA")  # another address
    assert not gate.BasketJudgement("NY", ((1, 2, 1, 3),), [], []).still_holds_for(basket, "NY")  # other lines


def test_ship_to_state_without_a_licence_is_refused_at_checkout(
    alice_client, alice, technician, pharmacist, localstripe
):
    verified_basket_line(alice_client, alice, technician, pharmacist)
    alice_client.get("/checkout/")
    alice_client.post(
        "/checkout/shipping-address/",
        {
            "first_name": "Alice",
            "last_name": "Moreno",
            "line1": "1 Beacon St",
            "line4": "Boston",
            "state": "MA",
            "postcode": "02108",
            "phone_number": "+16175550100",
        },
    )
    response = alice_client.get("/checkout/shipping-method/")
    assert response.status_code == 302 and response["Location"] == "/checkout/shipping-address/"
    messages = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "Massachusetts" in messages or "MA" in messages
    assert place_order(alice_client).status_code == 302
    assert Order.objects.count() == 0


MA_ADDRESS = {
    "first_name": "Alice",
    "last_name": "Moreno",
    "line1": "1 Beacon St",
    "line4": "Boston",
    "state": "MA",
    "postcode": "02108",
    "phone_number": "+16175550100",
}
NY_ADDRESS = {
    "first_name": "Alice",
    "last_name": "Moreno",
    "line1": "22 Jay Street",
    "line4": "Brooklyn",
    "state": "NY",
    "postcode": "11201",
    "phone_number": "+12125550100",
}


def test_after_an_unlicensed_state_the_customer_can_choose_another_address_and_order(
    alice_client, alice, technician, pharmacist, localstripe
):
    verified_basket_line(alice_client, alice, technician, pharmacist)
    alice_client.get("/checkout/")
    alice_client.post("/checkout/shipping-address/", MA_ADDRESS)
    refused = alice_client.get("/checkout/shipping-method/")
    assert refused.status_code == 302 and refused["Location"] == "/checkout/shipping-address/"
    messages = " ".join(str(m) for m in refused.wsgi_request._messages)
    assert "Massachusetts" in messages
    # The states we can ship to, from the pharmacy's licences in force.
    assert (
        "We can ship prescription medicines to: California, Florida, New Jersey, New York, Pennsylvania, Texas."
        in messages
    )
    # The way back is open: the checkout start and the address step are not refused.
    start = alice_client.get("/checkout/")
    assert start.status_code == 302 and start["Location"] == "/checkout/shipping-address/"
    page = alice_client.get("/checkout/shipping-address/")
    assert page.status_code == 200
    # The later steps and the place-order POST still refuse while the address is in MA.
    assert alice_client.get("/checkout/payment-details/").status_code == 302
    assert place_order(alice_client).status_code == 302 and Order.objects.count() == 0
    # A licensed address lets the customer go on and place the order.
    response = alice_client.post("/checkout/shipping-address/", NY_ADDRESS)
    assert response.status_code == 302 and response["Location"] == "/checkout/shipping-method/"
    preview = checkout_to_preview(alice_client)
    assert preview.status_code == 200 and b"Place order" in preview.content
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    assert Order.objects.get().shipping_address.state == "NY"


def test_an_expired_licence_is_not_offered_as_a_state_we_ship_to(alice_client, alice, technician, pharmacist):
    from compliance.models import PharmacyLicence

    PharmacyLicence.objects.filter(state="TX").update(expires_on=timezone.localdate() - datetime.timedelta(days=1))
    verified_basket_line(alice_client, alice, technician, pharmacist)
    alice_client.get("/checkout/")
    alice_client.post("/checkout/shipping-address/", MA_ADDRESS)
    messages = " ".join(str(m) for m in alice_client.get("/checkout/shipping-method/").wsgi_request._messages)
    assert "We can ship prescription medicines to: California, Florida, New Jersey, New York, Pennsylvania." in messages


def test_dispense_captures_and_uses_the_fill(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = dispensing.dispense_order(
            order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=True
        )
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    order.refresh_from_db()
    assert order.status == OrderStatus.DISPENSED
    payment = PaymentAuthorisation.objects.get(order=order)
    assert payment.amount_captured == order.total_incl_tax
    prescription.refresh_from_db()
    assert prescription.fills_used == 1 and prescription.status == PrescriptionStatus.USED_UP
    dispense = Dispense.objects.get(order_line=rx_line)
    assert dispense.pharmacist == pharmacist and dispense.evaluation.passed
    assert ProgrammeAuthorisation.objects.get(order_line=rx_line).state == ProgrammeAuthorisation.State.DISPENSED
    assert any("dispensed" in m.subject for m in mail.outbox)


def test_dispense_without_the_medication_guide_is_blocked_and_nothing_moves(
    alice_client, alice, technician, pharmacist, localstripe
):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    outcome = dispensing.dispense_order(
        order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=False
    )
    assert not outcome.dispensed and not outcome.voided
    assert any("Medication Guide" in f.pharmacist_message for f in outcome.blocked[0].blocks)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DISPENSE
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == 0
    # The RMA obtained is kept, so it is reversed if the order is never dispensed.
    assert ProgrammeAuthorisation.objects.get(order_line=rx_line).state == ProgrammeAuthorisation.State.ACTIVE


def test_dispense_without_an_rma_is_blocked(alice_client, alice, technician, pharmacist, localstripe):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    outcome = dispensing.dispense_order(order=order, pharmacist=pharmacist, medication_guide_included=True)
    assert not outcome.dispensed
    assert any(f.rule_id == "ipledge.rma" for f in outcome.blocked[0].blocks)


def test_ipledge_window_passed_voids_the_authorisation_and_flags_the_rma(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = dispensing.dispense_order(
            order=order,
            pharmacist=pharmacist,
            authorisations={rx_line.pk: rma(days_left=-1)},
            medication_guide_included=True,
            confirm_void_and_cancel=True,
        )
    assert outcome.voided and not outcome.dispensed
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    payment = PaymentAuthorisation.objects.get(order=order)
    assert payment.state == PaymentAuthorisation.State.VOIDED and payment.amount_captured == 0
    authorisation = ProgrammeAuthorisation.objects.get(order_line=rx_line)
    assert authorisation.state == ProgrammeAuthorisation.State.REVERSAL_DUE
    # The customer is told, in the words meant for them, and that no money was taken.
    sent = [m for m in mail.outbox if "could not be dispensed" in m.subject]
    assert len(sent) == 1 and sent[0].to == [order.email]
    window = next(f for f in outcome.blocked[0].blocks if f.rule_id == "ipledge.dispense-window")
    assert window.customer_message in sent[0].body
    assert window.pharmacist_message not in sent[0].body
    assert "No money was taken" in sent[0].body


def test_ipledge_window_passed_without_confirmation_voids_and_cancels_nothing(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    with django_capture_on_commit_callbacks(execute=True):
        outcome = dispensing.dispense_order(
            order=order,
            pharmacist=pharmacist,
            authorisations={rx_line.pk: rma(days_left=-1)},
            medication_guide_included=True,
        )
    assert outcome.needs_void_confirmation and not outcome.voided and not outcome.dispensed
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DISPENSE
    payment = PaymentAuthorisation.objects.get(order=order)
    assert payment.state == PaymentAuthorisation.State.AUTHORISED and payment.amount_captured == 0
    assert not ProgrammeAuthorisation.objects.filter(order_line=rx_line).exists()
    assert not [m for m in mail.outbox if "could not be dispensed" in m.subject]


def test_confirming_a_void_when_the_window_is_open_dispenses_nothing(
    alice_client, alice, technician, pharmacist, localstripe
):
    """The confirmation button means "void and cancel" only: with a corrected (open) window it refuses."""
    place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    with pytest.raises(dispensing.DispenseRefused, match="not voided or cancelled"):
        dispensing.dispense_order(
            order=order,
            pharmacist=pharmacist,
            authorisations={rx_line.pk: rma(days_left=5)},
            medication_guide_included=True,
            confirm_void_and_cancel=True,
        )
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_DISPENSE
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == 0


def test_partial_dispense_captures_only_what_goes_out(alice_client, alice, technician, pharmacist, localstripe):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    otc_line = order.lines.get(product__upc="OTC-LIPBALM")
    outcome = dispensing.dispense_order(
        order=order, pharmacist=pharmacist, medication_guide_included=True, cancel_blocked_lines=True
    )  # no RMA: the isotretinoin cannot go
    assert outcome.dispensed
    rx_line.refresh_from_db()
    assert rx_line.status == LineStatus.CANCELLED
    payment = PaymentAuthorisation.objects.get(order=order)
    expected = otc_line.line_price_incl_tax + order.shipping_incl_tax
    assert payment.amount_captured == expected < payment.amount_authorised


def test_technician_cannot_dispense(alice_client, alice, technician, pharmacist, localstripe):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    with pytest.raises(dispensing.DispenseRefused):
        dispensing.dispense_order(order=order, pharmacist=technician, medication_guide_included=True)
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == Decimal("0.00")


def test_unused_rma_is_flagged_for_reversal_after_its_window(alice_client, alice, technician, pharmacist, localstripe):
    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    dispensing.dispense_order(
        order=order,
        pharmacist=pharmacist,
        authorisations={rx_line.pk: rma(days_left=1)},
        medication_guide_included=False,
    )  # blocked: RMA kept as obtained
    assert dispensing.flag_rmas_for_reversal(now=timezone.now()) == 0
    assert dispensing.flag_rmas_for_reversal(now=timezone.now() + datetime.timedelta(days=3)) == 1
    authorisation = ProgrammeAuthorisation.objects.get(order_line=rx_line)
    assert authorisation.state == ProgrammeAuthorisation.State.REVERSAL_DUE
    dispensing.mark_reversed(authorisation=authorisation, pharmacist=pharmacist, note="Reversed on 866-495-0654")
    authorisation.refresh_from_db()
    assert authorisation.state == ProgrammeAuthorisation.State.REVERSED


def test_a_verified_prescription_without_a_transcription_is_refused_not_a_crash(alice_client, alice, pharmacist):
    from prescriptions import services as prescription_services

    add_to_basket(alice_client, "RX-ISO-20")
    line = Line.objects.get(basket__owner=alice)
    prescription = submit(alice, "RX-ISO-20", basket_line=line)
    prescription_services.transition_prescription(
        prescription=prescription, to_status=PrescriptionStatus.IN_REVIEW, actor=pharmacist
    )
    prescription_services.transition_prescription(
        prescription=prescription, to_status=PrescriptionStatus.VERIFIED, actor=pharmacist, reason_code="valid"
    )
    response = alice_client.get("/basket/")
    assert response.status_code == 200
    assert "has not finished recording this prescription" in response.content.decode()
    assert alice_client.get("/checkout/").status_code == 302


def test_dispense_is_blocked_when_the_product_no_longer_has_the_strength_written(
    alice_client, alice, technician, pharmacist, localstripe
):
    """The product going out is checked against the prescription at dispense
    too: a catalogue entry changed after verification does not slip through."""
    from tests.factories import product

    place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    changed = product("RX-ISO-20")
    changed.attr.strength = "40 mg"
    changed.save()
    outcome = dispensing.dispense_order(
        order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=True
    )
    assert not outcome.dispensed
    assert [f.rule_id for f in outcome.blocked[0].blocks] == ["product.strength"]
    assert PaymentAuthorisation.objects.get(order=order).amount_captured == 0
