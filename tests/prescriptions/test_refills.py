"""Refills in the shop: the Refill button at the refill-too-soon boundary (day before / on, at
midnight in New York), through the same checkout gate; the daily reminder (New York day
boundary, once per fill, opt-outs, no drug named); iPLEDGE's no refills; the pharmacy's page.

A doxycycline prescription (28 capsules, 28 days' supply, 2 refills) is verified, ordered
and dispensed at 23:30 New York time on Tuesday 1 December 2026 (04:30 UTC on the 2nd):
the fill's day is 1 December. 75 % of 28 days is 21: a refill may be ordered from
22 December; the supply runs out on 28 December; with reminders 7 days ahead the
reminder is due from 21 December."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone
from oscar.core.loading import get_model

from infra import sms
from prescriptions import refills, services
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.models import Dispense
from prescriptions.models import RefillReminderOptOut
from prescriptions.orders import OrderStatus
from prescriptions.review import services as review
from prescriptions.tasks import send_refill_reminder, send_refill_reminders
from tests.dispensing.test_gate_and_dispense import place_rx_order, rma
from tests.factories import (
    add_to_basket,
    checkout_to_preview,
    place_order,
    product,
    staff_client,
    submit,
    transcribe,
    verify,
)
from tests.factories.prescriptions import OVERRIDE_REASON, transcription_for

Order = get_model("order", "Order")
BasketLine = get_model("basket", "Line")
UserAddress = get_model("address", "UserAddress")

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
DOXY = "RX-DOXY-100"


def ny(day: int, hour: int = 12, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=NEW_YORK)


def filled_doxycycline(client, customer, technician, pharmacist, capture):
    """Verified, ordered through the checkout, dispensed by the pharmacist at 23:30 New York time."""
    with time_machine.travel(ny(1, 23, 30), tick=False):
        add_to_basket(client, DOXY)
        line = BasketLine.objects.get(basket__owner=customer, product__upc=DOXY)
        prescription = submit(customer, DOXY, basket_line=line, quantity=28, refills=2)
        transcribe(
            prescription,
            technician,
            transcription_for(
                product(DOXY), quantity=28, days_supply=28, refills=2, directions="Take one capsule by mouth daily."
            ),
        )
        prescription.refresh_from_db()
        review.claim_for_review(prescription=prescription, reviewer=pharmacist)
        evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
        review.verify_prescription(
            prescription=prescription,
            pharmacist=pharmacist,
            expected_version=prescription.transcription.version,
            warning_overrides={f.rule_id: OVERRIDE_REASON for f in evaluation.warnings},
        )
        checkout_to_preview(client)
        place_order(client)
        order = Order.objects.get(user=customer)
        with capture(execute=True):
            outcome = dispensing.dispense_order(order=order, pharmacist=pharmacist, medication_guide_included=True)
        assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    prescription.refresh_from_db()
    assert prescription.fills_used == 1
    return prescription, order


def refill_state(page: str) -> str:
    return page.split('data-refill-state="', 1)[1].split('"', 1)[0]


def test_refill_is_too_soon_the_day_before_and_one_click_from_the_allowed_day(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    prescription, first_order = filled_doxycycline(
        alice_client, alice, technician, pharmacist, django_capture_on_commit_callbacks
    )
    detail = f"/prescriptions/{prescription.public_id}/"

    with time_machine.travel(ny(21, 23, 59), tick=False):  # the last minute of the day before
        alice_client.force_login(alice)  # days later: a fresh session
        page = alice_client.get("/prescriptions/").content.decode()
        assert refill_state(page) == "too_soon" and "Dec. 22, 2026" in page and "2 fills left" in page
        assert refill_state(alice_client.get(f"/accounts/orders/{first_order.number}/").content.decode()) == "too_soon"
        response = alice_client.post(f"{detail}refill/")
        assert response.status_code == 302 and response["Location"] == detail
        assert not BasketLine.objects.filter(basket__owner=alice, basket__status="Open").exists()
        # Put in the basket by hand instead, the checkout gate refuses it for the same reason.
        add_to_basket(alice_client, DOXY)
        line = BasketLine.objects.get(basket__owner=alice, basket__status="Open")
        services.attach_prescription_to_basket_line(line=line, prescription=prescription, customer=alice)
        response = alice_client.get("/checkout/")
        assert response.status_code == 302 and response["Location"] == "/basket/"
        messages = " ".join(str(m) for m in response.wsgi_request._messages)
        assert "too soon to refill" in messages and "December 22, 2026" in messages and "Save it for later" in messages
        line.delete()

    with time_machine.travel(ny(22, 0, 0), tick=False):  # midnight in New York: the allowed day
        alice_client.force_login(alice)  # days later: a fresh session
        assert refill_state(alice_client.get(detail).content.decode()) == "available"
        response = alice_client.post(f"{detail}refill/")
        assert response.status_code == 302 and response["Location"] == "/basket/"
        line = BasketLine.objects.get(basket__owner=alice, basket__status="Open")
        assert (line.product.upc, line.quantity, line.prescription_id) == (DOXY, 1, prescription.pk)
        checkout_to_preview(alice_client)
        response = place_order(alice_client)
        assert response.status_code == 302 and "thank-you" in response["Location"]
        refill_order = Order.objects.filter(user=alice).exclude(pk=first_order.pk).get()
        assert refill_order.status == OrderStatus.AWAITING_DISPENSE
        assert refill_order.lines.get().prescription_id == prescription.pk
        # Its fill is held by the order on its way: no second Refill.
        assert refill_state(alice_client.get(detail).content.decode()) == "in_open_order"


def test_the_reminder_goes_out_once_from_the_new_york_day_it_is_due_and_names_no_drug(
    alice_client,
    alice,
    technician,
    pharmacist,
    localstripe,
    settings,
    django_capture_on_commit_callbacks,
):
    settings.RXSHOP_SMS_BACKEND = "infra.sms.LocmemSmsBackend"
    prescription, _ = filled_doxycycline(
        alice_client, alice, technician, pharmacist, django_capture_on_commit_callbacks
    )
    UserAddress.objects.filter(user=alice).update(is_default_for_shipping=True)
    assert UserAddress.objects.filter(user=alice, is_default_for_shipping=True).exists()
    mail.outbox.clear()
    sms.outbox.clear()

    with time_machine.travel(ny(20, 23, 59), tick=False):  # 8 days before the supply runs out
        with django_capture_on_commit_callbacks(execute=True):
            assert send_refill_reminders() == 0
        assert (
            prescription.reference not in staff_client(pharmacist).get("/dashboard/pharmacy/refills/").content.decode()
        )
    assert mail.outbox == []

    with time_machine.travel(ny(21, 0, 0), tick=False):  # midnight in New York: 7 days before
        with django_capture_on_commit_callbacks(execute=True):
            assert send_refill_reminders() == 1
        with django_capture_on_commit_callbacks(execute=True):
            assert send_refill_reminders() == 0  # the job run twice sends nothing twice
        dispense = Dispense.objects.get(prescription=prescription)
        assert send_refill_reminder(prescription.pk, dispense.pk) is False  # nor the task delivered twice
        staff_page = staff_client(pharmacist).get("/dashboard/pharmacy/refills/").content.decode()
        assert prescription.reference in staff_page and "in 7 days" in staff_page and "20 days ago" in staff_page

    assert len(mail.outbox) == 1 and len(sms.outbox) == 1
    message = mail.outbox[0]
    text = f"{message.subject}\n{message.body}\n{sms.outbox[0].body}".lower()
    assert prescription.reference.lower() in text
    assert "doxycycline" not in text and "100 mg" not in text and "alice moreno" not in text
    assert "/prescriptions/reminders/opt-out/" in message.body


def test_opting_out_per_prescription_or_per_account_stops_the_reminder(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    prescription, _ = filled_doxycycline(
        alice_client, alice, technician, pharmacist, django_capture_on_commit_callbacks
    )
    with time_machine.travel(ny(23), tick=False):
        alice_client.force_login(alice)  # days later: a fresh session
        due = [(prescription.pk, Dispense.objects.get(prescription=prescription).pk)]
        assert refills.reminders_due(today=ny(23).date()) == due

        # One click on the prescription's page.
        alice_client.post(f"/prescriptions/{prescription.public_id}/reminders/", {"on": "0"})
        assert refills.reminders_due(today=ny(23).date()) == []
        alice_client.post(f"/prescriptions/{prescription.public_id}/reminders/", {"on": "1"})
        assert refills.reminders_due(today=ny(23).date()) == due

        # The e-mail's link, signed in or not: a GET only asks, the POST opts the account out.
        token = refills.opt_out_token(account_id=alice.pk, prescription_id=None)
        alice_client.logout()
        assert "Stop the reminders" in alice_client.get(f"/prescriptions/reminders/opt-out/{token}/").content.decode()
        assert not RefillReminderOptOut.objects.exists()
        alice_client.post(f"/prescriptions/reminders/opt-out/{token}/")
        assert RefillReminderOptOut.objects.filter(account=alice, prescription=None).exists()
        assert refills.reminders_due(today=ny(23).date()) == []
        assert alice_client.get("/prescriptions/reminders/opt-out/forged/").status_code == 404


def test_isotretinoin_offers_ask_my_prescriber_and_never_a_refill_or_a_reminder(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    order = Order.objects.get(user=alice)
    with django_capture_on_commit_callbacks(execute=True):
        dispensing.dispense_order(
            order=order,
            pharmacist=pharmacist,
            authorisations={order.lines.get().pk: rma()},
            medication_guide_included=True,
        )
    prescription.refresh_from_db()
    page = alice_client.get("/prescriptions/").content.decode()
    assert refill_state(page) == "not_refillable" and "iPLEDGE" in page
    assert "Ask my prescriber for a new prescription" in page and "/refill/" not in page
    ask = alice_client.get(f"/prescriptions/{prescription.public_id}/ask-prescriber/").content.decode()
    assert "Request for a new prescription" in ask and prescription.prescriber_name in ask
    response = alice_client.post(f"/prescriptions/{prescription.public_id}/refill/", follow=True)
    assert "iPLEDGE" in response.content.decode()
    assert not BasketLine.objects.filter(basket__owner=alice, basket__status="Open").exists()
    assert refills.reminders_due(today=timezone.localdate() + datetime.timedelta(days=40)) == []


def test_ask_my_prescriber_is_not_offered_while_fills_are_left(alice_client, alice, pharmacist):
    prescription = verify(submit(alice, DOXY, quantity=28, refills=2), pharmacist)
    assert alice_client.get(f"/prescriptions/{prescription.public_id}/ask-prescriber/").status_code == 404


def test_the_reminder_job_runs_once_a_day_at_nine_new_york_time(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["prescriptions-refill-reminders"]
    assert entry["task"] == send_refill_reminders.name == "prescriptions.tasks.send_refill_reminders"
    assert (entry["schedule"].hour, entry["schedule"].minute) == ({9}, {0})
    assert settings.CELERY_TIMEZONE == "America/New_York" and settings.RXSHOP_REFILL_REMINDER_DAYS == 7
