"""English or Spanish: the switcher, the account's remembered choice, e-mails in the
recipient's language, the rules' customer sentences, and US Spanish formats."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.utils import translation

from compliance.core.wording import CustomerText, gettext_noop
from infra.i18n import preferred_language, recipient_language, remember_language
from infra.models import LanguagePreference
from infra.ratelimit import Rate
from payments.models import RefundReason
from prescriptions.models import CUSTOMER_STATUS, PrescriptionStatus
from prescriptions.wording import customer_wording, for_queue
from tests.factories import CustomerFactory, PrescriptionFactory
from tests.factories.users import TEST_PASSWORD

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_a_browser_asking_for_spanish_gets_spanish_pages(client):
    page = client.get("/no-such-page/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9")
    html = page.content.decode()
    assert page.status_code == 404
    assert '<html lang="es"' in html
    assert "No encontramos esa página" in html and "We could not find that page" not in html


def test_without_a_choice_the_shop_is_in_english(client):
    html = client.get("/no-such-page/").content.decode()
    assert '<html lang="en' in html and "We could not find that page" in html


def test_the_header_switcher_is_labelled_and_offers_both_languages(client):
    html = client.get("/no-such-page/").content.decode()
    assert '<label for="id_site_language"' in html
    assert 'value="en"' in html and 'value="es"' in html and "Español" in html


def test_switching_remembers_the_choice_for_the_signed_in_account(client):
    customer = CustomerFactory()
    client.force_login(customer)
    response = client.post("/i18n/setlang/", {"language": "es"}, HTTP_REFERER="http://testserver/basket/")
    assert response.status_code == 302 and response["Location"].endswith("/basket/")
    assert response.cookies[COOKIE].value == "es"
    assert preferred_language(customer) == "es"
    assert "Carrito" in client.get("/basket/").content.decode()
    client.post("/i18n/setlang/", {"language": "en"})
    assert preferred_language(customer) == "en"


def test_switching_while_signed_out_changes_only_the_cookie(client):
    response = client.post("/i18n/setlang/", {"language": "es"})
    assert response.cookies[COOKIE].value == "es"
    assert not LanguagePreference.objects.exists()


def test_an_unknown_language_is_not_remembered(client):
    customer = CustomerFactory()
    client.force_login(customer)
    client.post("/i18n/setlang/", {"language": "fr"})
    assert preferred_language(customer) is None


def test_signing_in_applies_the_accounts_language_on_a_new_device(client):
    customer = CustomerFactory()
    remember_language(customer, "es")
    response = client.post(
        "/accounts/login/",
        {"login-username": customer.email, "login-password": TEST_PASSWORD, "login_submit": "Log In"},
    )
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "es"
    assert "Carrito" in client.get("/basket/").content.decode()


def test_signing_in_remembers_a_choice_made_before_signing_in(client):
    customer = CustomerFactory()
    client.cookies[COOKIE] = "es"
    client.post(
        "/accounts/login/",
        {"login-username": customer.email, "login-password": TEST_PASSWORD, "login_submit": "Log In"},
    )
    assert preferred_language(customer) == "es"


def test_registering_in_spanish_makes_a_spanish_account(client, mailoutbox, django_capture_on_commit_callbacks):
    client.cookies[COOKIE] = "es"
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            "/accounts/register/",
            {"email": "nuevo@example.com", "password1": TEST_PASSWORD, "password2": TEST_PASSWORD, "redirect_url": ""},
        )
    assert recipient_language(email="nuevo@example.com") == "es"
    assert [m.subject for m in mailoutbox] == ["Active su cuenta de rxshop Pharmacy"]


def test_status_emails_are_written_in_the_recipients_language(django_capture_on_commit_callbacks):
    spanish, english = CustomerFactory(), CustomerFactory()
    remember_language(spanish, "es")
    # Whatever language the request or worker that queues them happens to be in.
    with translation.override("es"), django_capture_on_commit_callbacks(execute=True):
        PrescriptionFactory(customer=english)
    with translation.override("en"), django_capture_on_commit_callbacks(execute=True):
        PrescriptionFactory(customer=spanish)
    to_english, to_spanish = mail.outbox
    assert to_english.to == [english.email] and to_english.subject.endswith(": Waiting for a pharmacist")
    assert "We have received your prescription" in to_english.body
    assert to_spanish.to == [spanish.email] and to_spanish.subject.endswith(": En espera de un farmacéutico")
    assert "Recibimos su receta" in to_spanish.body and "Hola, Carol:" in to_spanish.body
    assert "We have received" not in to_spanish.body
    assert translation.get_language() == settings.LANGUAGE_CODE  # the worker's language is left as it was


def test_prescription_status_names_are_translated():
    with translation.override("es"):
        assert [str(label) for label, _ in CUSTOMER_STATUS.values()][:3] == [
            "En espera de un farmacéutico",
            "Un farmacéutico la está revisando",
            "Nuestro farmacéutico tiene una pregunta",
        ]
        assert str(PrescriptionStatus.VERIFIED.label) == "Verificada"


def test_refund_reasons_are_translated_and_stored_as_their_code():
    with translation.override("es"):
        assert [str(label) for _value, label in RefundReason.choices] == [
            "Dañado durante el envío",
            "Artículo equivocado",
            "No entregado",
            "Cancelado antes de dispensarlo",
            "El farmacéutico no pudo dispensarlo",
            "Hecho en el panel de Stripe",
            "Otro",
        ]
    assert str(RefundReason.DAMAGED_IN_TRANSIT.label) == "Damaged in transit"
    assert RefundReason.DAMAGED_IN_TRANSIT == "damaged_in_transit"


def test_rule_sentences_reach_the_customer_in_their_language():
    plain = gettext_noop("Please enter a shipping address.")
    with_values = CustomerText(
        gettext_noop("This medicine can be supplied for at most %(days)s days at a time."), days=30
    )
    assert with_values == "This medicine can be supplied for at most 30 days at a time."  # staff, logs: English
    with translation.override("es"):
        assert customer_wording(plain) == "Escriba una dirección de envío."
        assert customer_wording(with_values) == "Este medicamento se puede surtir para 30 días como máximo cada vez."
        # Queued for a worker as JSON, still translatable there.
        assert customer_wording(for_queue(with_values)).startswith("Este medicamento se puede surtir para 30 días")
        assert customer_wording("A sentence nobody marked.") == "A sentence nobody marked."
    with translation.override("en"):
        assert customer_wording(for_queue(with_values)) == with_values


def test_rate_limit_periods_read_naturally_in_spanish():
    with translation.override("es"):
        assert Rate.parse("5/h").period_text == "una hora"
        assert Rate.parse("20/2h").period_text == "2 horas"
    assert Rate.parse("5/h").period_text == "hour"


def test_us_spanish_formats_dates_in_words_and_numbers_and_dollars_the_us_way():
    template = Template(
        '{% load currency_filters l10n %}{{ day|date:"DATE_FORMAT" }} | {{ amount|currency }} | {{ big|localize }}'
    )
    context = Context({"day": datetime.date(2026, 12, 1), "amount": Decimal("1234.50"), "big": Decimal("1234.5")})
    with translation.override("es"):
        assert template.render(context) == "1 de diciembre de 2026 | $1,234.50 | 1234.5"
    with translation.override("en"):
        assert template.render(context) == "Dec. 1, 2026 | $1,234.50 | 1234.5"


def test_drug_information_is_shown_in_spanish_with_the_english_guide_said_so(client, demo_shop):
    from tests.factories.storefront import product

    isotretinoin = product("RX-ISO-20")
    client.cookies[COOKIE] = "es"
    html = client.get(isotretinoin.get_absolute_url()).content.decode()
    assert "Advertencia en recuadro" in html and "defectos de nacimiento graves" in html
    assert "Isotretinoin can cause severe" not in html
    assert "la FDA no publica en español la Guía de este medicamento" in html and 'hreflang="en"' in html
    english = client.get(isotretinoin.get_absolute_url(), HTTP_COOKIE=f"{COOKIE}=en").content.decode()
    assert "Isotretinoin can cause severe" in english and "Advertencia" not in english


def test_a_section_not_yet_written_in_spanish_is_shown_in_english_and_marked(client, demo_shop):
    from tests.factories.storefront import product

    isotretinoin = product("RX-ISO-20")
    isotretinoin.attribute_values.filter(attribute__code="uses_es").delete()
    client.cookies[COOKIE] = "es"
    html = client.get(isotretinoin.get_absolute_url()).content.decode()
    assert "Esta sección todavía no está disponible en su idioma" in html
    assert '<div lang="en">' in html and "severe nodular (cystic) acne" in html


def test_an_orders_status_is_shown_in_the_readers_language_and_stays_the_stored_value():
    from prescriptions.orders import OrderStatus, StatusForDisplay

    status = StatusForDisplay(OrderStatus.AWAITING_DISPENSE)
    assert status == OrderStatus.AWAITING_DISPENSE == "Awaiting dispense"
    with translation.override("es"):
        assert Template("{{ s }}").render(Context({"s": status})) == "En espera de que se surta"
        assert status == OrderStatus.AWAITING_DISPENSE
    assert Template("{{ s }}").render(Context({"s": status})) == "Awaiting dispense"
