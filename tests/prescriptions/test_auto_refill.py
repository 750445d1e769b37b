"""Automatic refills (issue 22, item 3): opt-in per prescription, never for controlled or REMS
medicines; the consent recorded as shown; the daily job places exactly one order on the day a
refill becomes allowed, through the checkout gate, with the saved card authorised off-session;
a declined card or a rule that no longer passes stops it and e-mails the patient (no medicine
named), leaving no order; the patient turns it off in one click.

The doxycycline prescription of tests/prescriptions/test_refills.py (28 days' supply, 2 refills)
is dispensed on 1 December 2026 (New York): a refill is allowed from 22 December."""

from __future__ import annotations

import datetime
import re
from html import unescape

import pytest
import time_machine
from django.core import mail
from django.test import Client
from oscar.core.loading import get_model

from compliance.models import ComplianceEvaluation
from infra.models import LanguagePreference
from payments.models import PaymentAuthorisation
from prescriptions import autorefill
from prescriptions.dispensing import services as dispensing
from prescriptions.exceptions import AutoRefillRefused
from prescriptions.models import AutoRefill, AutoRefillRun, Prescription
from prescriptions.orders import OrderStatus
from prescriptions.tasks import run_auto_refills, send_auto_refill_stopped_email
from tests.factories import ControlledProductFactory, staff_client, submit, verify
from tests.prescriptions.test_refills import filled_doxycycline, ny

Order = get_model("order", "Order")
Basket = get_model("basket", "Basket")

pytestmark = pytest.mark.django_db

IP = "203.0.113.7"


def page(client, prescription) -> str:
    return unescape(client.get(f"/prescriptions/{prescription.public_id}/auto-refill/").content.decode())


def enrol_through_page(client, prescription, card: str = "visa") -> AutoRefill:
    """As the patient does: save a card with the checkout's card form, read the consent, agree."""
    url = f"/prescriptions/{prescription.public_id}/auto-refill/"
    response = client.post(url, {"action": "save_card", "test_card": card})
    assert response.status_code == 302, response
    shown = page(client, prescription)
    consent = re.search(r'<p id="consent-text">(.*?)</p>', shown, re.S).group(1)
    card_id = re.search(r'name="card" value="(\d+)"', shown).group(1)
    response = client.post(url, {"action": "enrol", "card": card_id, "consent": consent}, REMOTE_ADDR=IP)
    assert response.status_code == 302, response
    return AutoRefill.objects.get(prescription=prescription, state=AutoRefill.State.ACTIVE)


def orders_for(prescription):
    return Order.objects.filter(lines__prescription=prescription).distinct()


@pytest.fixture
def doxycycline(alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks):
    prescription, first_order = filled_doxycycline(
        alice_client, alice, technician, pharmacist, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    return prescription


def test_controlled_and_rems_medicines_are_never_refilled_automatically(
    alice_client, alice, pharmacist, localstripe, settings
):
    # Even with a DEA registration modified for online dispensing (Ryan Haight Act), where a
    # controlled substance can be ordered online like any prescription.
    settings.RXSHOP_ONLINE_CONTROLLED_REGISTERED = True
    tramadol = verify(submit(alice, ControlledProductFactory(), quantity=30, refills=2), pharmacist)
    isotretinoin = verify(submit(alice, "RX-ISO-20", quantity=30, refills=0), pharmacist)
    alice_client.post(f"/prescriptions/{tramadol.public_id}/auto-refill/", {"action": "save_card", "test_card": "visa"})
    card = alice.saved_cards.get()

    for prescription, reason in ((tramadol, "controlled substances"), (isotretinoin, "iPLEDGE")):
        shown = page(alice_client, prescription)
        assert reason in shown and "I agree: refill automatically" not in shown
        detail = alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode()
        assert "Refill automatically" not in detail
        consent = autorefill.consent_text(prescription=prescription, card_label=card.label)
        response = alice_client.post(
            f"/prescriptions/{prescription.public_id}/auto-refill/",
            {"action": "enrol", "card": card.pk, "consent": consent},
            follow=True,
        )
        assert reason in unescape(response.content.decode())
        with pytest.raises(AutoRefillRefused, match=reason):
            autorefill.enrol(prescription=prescription, customer=alice, card=card, consent_shown=consent, consent_ip=IP)
    assert not AutoRefill.objects.exists()


def test_the_consent_is_recorded_as_shown_with_its_version_time_and_address(alice_client, alice, doxycycline):
    detail = alice_client.get(f"/prescriptions/{doxycycline.public_id}/").content.decode()
    assert "Refill automatically" in detail

    with time_machine.travel(ny(3, 10, 15), tick=False):
        alice_client.force_login(alice)
        shown = page(alice_client, doxycycline)
        assert "I agree" not in shown and "22 Jay Street" in shown  # no card yet; the address from the last order
        enrolment = enrol_through_page(alice_client, doxycycline)

    assert enrolment.customer == alice and enrolment.saved_card.last4 == "4242"
    assert enrolment.consent_version == autorefill.CONSENT_VERSION
    assert enrolment.consent_text == autorefill.consent_text(prescription=doxycycline, card_label="Visa •••• 4242")
    assert doxycycline.reference in enrolment.consent_text and "without asking me each time" in enrolment.consent_text
    assert enrolment.consented_at == ny(3, 10, 15) and enrolment.consent_ip == IP
    assert enrolment.shipping_address["line1"] == "22 Jay Street" and enrolment.shipping_address["state"] == "NY"
    # A consent other than the one shown is not recorded.
    with pytest.raises(AutoRefillRefused):
        autorefill.enrol(
            prescription=doxycycline,
            customer=alice,
            card=enrolment.saved_card,
            consent_shown="I agree to anything.",
            consent_ip=IP,
        )
    with time_machine.travel(ny(3, 11), tick=False):
        alice_client.force_login(alice)
        listing = alice_client.get("/prescriptions/").content.decode()
        assert "Automatic refills are on: next refill around Dec. 22, 2026." in listing
        assert "Next refill around Dec. 22, 2026" in page(alice_client, doxycycline)


def test_the_job_places_one_order_on_the_allowed_day_which_the_pharmacist_dispenses_and_captures(
    alice_client, alice, pharmacist, doxycycline, django_capture_on_commit_callbacks
):
    enrolment = enrol_through_page(alice_client, doxycycline)
    before = set(orders_for(doxycycline).values_list("pk", flat=True))

    with time_machine.travel(ny(21, 23, 59), tick=False):  # the day before: too soon
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0
        staff_page = staff_client(pharmacist).get("/dashboard/pharmacy/refills/").content.decode()
        assert f'data-auto-refill="{enrolment.public_id}"' in staff_page and "Dec 22 (tomorrow)" in staff_page
    assert set(orders_for(doxycycline).values_list("pk", flat=True)) == before

    with time_machine.travel(ny(22, 0, 0), tick=False):  # midnight in New York: the allowed day
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0  # run twice: still one order
        assert autorefill.place_auto_refill(auto_refill_id=enrolment.pk) is None  # the fill is held by it

    order = orders_for(doxycycline).exclude(pk__in=before).get()
    assert order.user == alice and order.status == OrderStatus.AWAITING_DISPENSE
    line = order.lines.get()
    assert (line.product.upc, line.quantity, line.prescription_id) == ("RX-DOXY-100", 1, doxycycline.pk)
    assert order.shipping_address.line1 == "22 Jay Street" and order.shipping_address.state == "NY"
    run = AutoRefillRun.objects.get(auto_refill=enrolment)
    assert (run.fill_number, run.outcome, run.order) == (2, "placed", order)
    # The checkout gate judged it for this order (recorded for the inspector), as at checkout.
    assert ComplianceEvaluation.objects.filter(subject__contains=f":order:{order.number}:", stage="checkout").exists()
    authorisation = PaymentAuthorisation.objects.get(order=order)
    assert authorisation.state == "authorised" and authorisation.saved_card == enrolment.saved_card
    assert authorisation.amount_authorised == order.total_incl_tax
    assert order.sources.get().reference == authorisation.intent_id
    assert not Basket.objects.filter(owner=alice, status__in=("Open", "Frozen"), lines__isnull=False).exists()
    # Placed-order e-mail as for any order; nothing about a stop.
    assert [m.to for m in mail.outbox] == [[alice.email]]

    with time_machine.travel(ny(22, 9), tick=False):
        queue = staff_client(pharmacist).get("/dashboard/pharmacy/dispense/").content.decode()
        assert order.number in queue
        with django_capture_on_commit_callbacks(execute=True):
            outcome = dispensing.dispense_order(order=order, pharmacist=pharmacist, medication_guide_included=True)
    assert outcome.dispensed
    authorisation.refresh_from_db()
    assert authorisation.state == "captured" and authorisation.amount_captured == order.total_incl_tax


def test_a_declined_card_stops_it_and_tells_the_patient_in_their_language_without_an_order(
    alice_client, alice, doxycycline, django_capture_on_commit_callbacks
):
    enrolment = enrol_through_page(alice_client, doxycycline, card="declined")  # 0341: saved, declined when charged
    LanguagePreference.objects.create(user=alice, language="es")
    before = set(orders_for(doxycycline).values_list("pk", flat=True))

    with time_machine.travel(ny(22, 8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0

    enrolment.refresh_from_db()
    assert enrolment.state == "stopped" and enrolment.stop_reason == "card_declined"
    assert "card_declined" in enrolment.stop_detail and enrolment.stopped_at == ny(22, 8)
    assert set(orders_for(doxycycline).values_list("pk", flat=True)) == before
    assert not Order.objects.filter(number=AutoRefillRun.objects.get().order_number).exists()
    assert PaymentAuthorisation.objects.filter(saved_card=enrolment.saved_card).get().state == "failed"
    assert not Basket.objects.filter(lines__prescription=doxycycline, status__in=("Open", "Frozen")).exists()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [alice.email]
    assert "resurtidos automáticos" in message.subject.lower()
    assert doxycycline.reference in message.body and "tarjeta fue rechazada" in message.body
    text = f"{message.subject}\n{message.body}".lower()
    assert "doxycycline" not in text and "doxiciclina" not in text and "alice moreno" not in text
    alice_client.force_login(alice)
    assert "Stopped:" in page(alice_client, doxycycline) or "Detenido:" in page(alice_client, doxycycline)
    # Run again: nothing more (no second e-mail, no order).
    with time_machine.travel(ny(22, 9), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0
    assert len(mail.outbox) == 1
    # The e-mail task delivered twice (a worker died after sending) sends nothing more.
    assert send_auto_refill_stopped_email(enrolment.pk) is False
    assert len(mail.outbox) == 1


def test_an_expired_prescription_stops_it_with_the_reason(
    alice_client, alice, doxycycline, django_capture_on_commit_callbacks
):
    enrolment = enrol_through_page(alice_client, doxycycline)
    Prescription.objects.filter(pk=doxycycline.pk).update(expires_on=datetime.date(2026, 12, 20))
    before = set(orders_for(doxycycline).values_list("pk", flat=True))

    with time_machine.travel(ny(22, 8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0

    enrolment.refresh_from_db()
    assert enrolment.state == "stopped" and enrolment.stop_reason == "rule"
    assert "expired" in enrolment.stop_detail
    assert set(orders_for(doxycycline).values_list("pk", flat=True)) == before
    assert not PaymentAuthorisation.objects.filter(saved_card=enrolment.saved_card).exists()
    assert len(mail.outbox) == 1 and doxycycline.reference in mail.outbox[0].body
    assert "new prescription" in mail.outbox[0].body and "doxycycline" not in mail.outbox[0].body.lower()
    with time_machine.travel(ny(22, 9), tick=False):
        alice_client.force_login(alice)
        detail = alice_client.get(f"/prescriptions/{doxycycline.public_id}/").content.decode()
        assert "Automatic refills stopped: This prescription can no longer be refilled automatically." in detail
        assert "Refill automatically" not in detail  # expired: not offered again
        assert "it has expired" in page(alice_client, doxycycline)


def test_turning_it_off_takes_one_click_and_no_order_follows(
    alice_client, alice, doxycycline, django_capture_on_commit_callbacks
):
    enrolment = enrol_through_page(alice_client, doxycycline)
    before = set(orders_for(doxycycline).values_list("pk", flat=True))
    with time_machine.travel(ny(10, 14), tick=False):
        alice_client.force_login(alice)
        response = alice_client.post(f"/prescriptions/auto-refill/{enrolment.public_id}/stop/", follow=True)
    assert "Automatic refills are off" in response.content.decode()
    enrolment.refresh_from_db()
    assert (enrolment.state, enrolment.stop_reason, enrolment.stopped_at) == ("stopped", "customer", ny(10, 14))

    with time_machine.travel(ny(22, 8), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert run_auto_refills() == 0
    assert set(orders_for(doxycycline).values_list("pk", flat=True)) == before
    assert mail.outbox == []  # their own doing: no e-mail
    # Turned on again later: a new enrolment, the old one kept with its reason.
    enrol_through_page(alice_client, doxycycline)
    assert AutoRefill.objects.filter(prescription=doxycycline).count() == 2


def test_another_accounts_prescription_or_enrolment_is_not_found(alice_client, alice, bob, doxycycline):
    enrolment = enrol_through_page(alice_client, doxycycline)
    client = Client()
    client.force_login(bob)
    assert client.get(f"/prescriptions/{doxycycline.public_id}/auto-refill/").status_code == 404
    assert client.post(f"/prescriptions/{doxycycline.public_id}/auto-refill/", {"action": "enrol"}).status_code == 404
    assert client.post(f"/prescriptions/auto-refill/{enrolment.public_id}/stop/").status_code == 404
    enrolment.refresh_from_db()
    assert enrolment.is_active


def test_the_job_runs_once_a_day_at_eight_new_york_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prescriptions-auto-refills"]
    assert entry["task"] == run_auto_refills.name == "prescriptions.tasks.run_auto_refills"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({8}, {0})
    assert settings.CELERY_TIMEZONE == "America/New_York"


def test_with_real_stripe_the_card_is_saved_through_stripe_js_for_off_session_use(alice_client, doxycycline, settings):
    settings.STRIPE_API_BASE = ""  # real Stripe: the card element in setup mode
    html = page(alice_client, doxycycline)
    assert "js.stripe.com/v3/" in html and 'mode: "setup"' in html and 'setupFutureUsage: "off_session"' in html
