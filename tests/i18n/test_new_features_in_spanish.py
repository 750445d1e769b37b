"""The features merged beside Spanish, in Spanish: the refill box and its rule sentence, the
reminder e-mail and text in the customer's language, health information, transfers,
and the refill-status sentences with their dates in the reader's format."""

from __future__ import annotations

import datetime

import pytest
import time_machine
from django.core import mail
from django.utils import translation
from oscar.core.loading import get_model

from compliance.core.refills import RefillFacts, refill_status
from infra import sms
from infra.i18n import remember_language
from prescriptions.models import TransferRequest
from prescriptions.tasks import send_refill_reminders
from prescriptions.wording import customer_wording
from tests.compliance.builders import DOXYCYCLINE
from tests.factories import PatientFactory
from tests.prescriptions.test_refills import filled_doxycycline, ny

pytestmark = pytest.mark.django_db
UserAddress = get_model("address", "UserAddress")


def _spanish(client, customer):
    remember_language(customer, "es")
    client.cookies["django_language"] = "es"


def test_the_refill_box_and_the_reminder_are_in_the_customers_language(
    alice_client, alice, technician, pharmacist, localstripe, settings, django_capture_on_commit_callbacks
):
    settings.RXSHOP_SMS_BACKEND = "infra.sms.LocmemSmsBackend"
    prescription, _ = filled_doxycycline(
        alice_client, alice, technician, pharmacist, django_capture_on_commit_callbacks
    )
    _spanish(alice_client, alice)
    with time_machine.travel(ny(10), tick=False):
        page = alice_client.get("/prescriptions/").content.decode()
        assert "Quedan 2 surtidos, 28 unidades por surtido" in page and "Resurtido a partir del" in page
        # The rule's sentence, with its date in Spanish words (translated from its template).
        assert "Puede pedir el próximo surtido a partir del 22 de diciembre de 2026" in page
        assert "You can order the next fill" not in page and "December" not in page
    UserAddress.objects.filter(user=alice).update(is_default_for_shipping=True)  # its phone gets the text
    mail.outbox.clear()
    sms.outbox.clear()
    with time_machine.travel(ny(21, 0, 0), tick=False), translation.override("en"):  # a worker in English
        with django_capture_on_commit_callbacks(execute=True):
            assert send_refill_reminders() == 1
    message = mail.outbox[0]
    assert message.subject.startswith("Es hora de resurtir su receta")
    assert f"receta {prescription.reference}" in message.body and "Hello" not in message.body
    assert "No más recordatorios de resurtido para esta receta: http" in message.body
    assert "ya le toca resurtir su receta" in sms.outbox[0].body


def test_refill_status_sentences_keep_their_english_and_read_dates_in_spanish():
    facts = RefillFacts(
        drug=DOXYCYCLINE,
        verified=True,
        refills_authorized=2,
        fills_used=1,
        expires_on=datetime.date(2026, 11, 30),
        last_fill_on=datetime.date(2026, 11, 1),
        last_fill_days_supply=28,
    )
    status = refill_status(facts, today=datetime.date(2026, 12, 1))
    assert str(status.message) == "This prescription could be filled until November 30, 2026; it has expired."
    with translation.override("en"):
        assert customer_wording(status.message) == str(status.message)
    with translation.override("es"):
        assert (
            customer_wording(status.message)
            == "Esta receta se podía surtir hasta el 30 de noviembre de 2026; ya venció."
        )


def test_health_information_pages_and_their_errors_are_in_spanish(alice_client, alice):
    patient = PatientFactory(account=alice)
    _spanish(alice_client, alice)
    listing = alice_client.get("/prescriptions/health/").content.decode()
    assert "Información de salud" in listing and "Aún sin completar." in listing
    url = f"/prescriptions/health/{patient.public_id}/"
    form = alice_client.get(url).content.decode()
    assert "¿El paciente tiene alergias o intolerancias a algún medicamento?" in form
    assert "Alergia 1: medicamento o sustancia" in form and "Guardar información de salud" in form
    refused = alice_client.post(url, {"allergy_answer": "listed"})
    assert refused.status_code == 400
    assert "Indique las alergias o responda “Sin alergias conocidas”." in refused.content.decode()


def test_a_transfer_request_is_asked_and_confirmed_in_spanish(alice_client, alice):
    patient = PatientFactory(account=alice)
    _spanish(alice_client, alice)
    page = alice_client.get("/prescriptions/transfer/").content.decode()
    assert "Nombre de la farmacia" in page and "Solicitar la transferencia" in page
    done = alice_client.post(
        "/prescriptions/transfer/",
        {
            "patient": patient.pk,
            "pharmacy_name": "Corner Drug",
            "pharmacy_phone": "212-555-0100",
            "prescription_number": "RX-1",
            "drug": "Doxycycline 100 mg",
        },
        follow=True,
    ).content.decode()
    made = TransferRequest.objects.get()
    assert f"Nuestros farmacéuticos tienen la solicitud de transferencia {made.reference}" in done
    assert "Solicitada" in done
