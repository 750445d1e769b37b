"""The customer's whole walkthrough in Spanish (issue 24): she picks Español in the header,
registers, browses, puts isotretinoin in her basket, uploads her prescription, gets the status
e-mail in Spanish, pays once a pharmacist has verified it, and follows her order. Every page she
sees is in Spanish: no English is left on it apart from the medicines' names and other catalogue
data (product titles, categories), the pharmacy's name and address, and her own details; and
axe finds no serious or critical problem in Spanish either. The staff steps stay in English."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e import journeys as j
from tests.e2e.conftest import assert_accessible

pytestmark = pytest.mark.e2e

LUCIA = j.Customer(
    "lucia.ramirez@example.com",
    "lucia-e2e-2026",
    "Lucía",
    "Ramírez",
    date_of_birth="1996-03-18",
    address="8 Jay Street",
)

# Words that are English and never Spanish: one of them on a page is an untranslated string.
ENGLISH = re.compile(
    r"\b(the|and|your|you|with|this|that|will|please|our|from|order|orders|prescription|prescriptions|basket|cart|"
    r"checkout|continue|shipping|delivery|payment|account|sign|login|logout|price|quantity|upload|pharmacist|"
    r"pharmacy|medicine|medicines|item|items|home|search|view|back|here|what|when|have|has|been|was|were|are|is|"
    r"it|its|of|to|in|on|by|at|for|all|more|now|new|add|remove|save|later|status|waiting|verified|dispensed|"
    r"shipped|step|help|free|details|change|edit|print|thank|thanks|page|card|email|questions?|call|awaiting|"
    r"dispense|pending|complete|cancelled|re-order)\b",
    re.IGNORECASE,
)
# Not interface text: the catalogue's data (the medicines' names, categories, product types and
# forms as the pharmacy entered them), the pharmacy's name, address and people, the customer's
# own details, the language switcher's "English", card numbers.
NOT_INTERFACE = [
    re.compile(r"[\w.+-]+@[\w.-]+"),
    re.compile(r"Isotretinoin \d+ mg capsules \(30\)|Doxycycline hyclate 100 mg[^\n]*|Tramadol hydrochloride[^\n]*"),
    re.compile(r"Lip balm SPF 15[^\n]*|Broad-spectrum sunscreen[^\n]*|Fragrance-free daily moisturiser[^\n]*"),
    re.compile(r"Gentle hydrating cleanser[^\n]*"),
    re.compile(r"Prescription medicines?|Over-the-counter|Skin care|Acne|Antibiotics|Pain relief"),
    re.compile(r"rxshop Pharmacy|rxshop|120 Hudson Street, Suite 4, New York, NY 10013|Dana Whitfield, PharmD"),
    re.compile(r"\bEnglish\b"),
    re.compile(r"New (York|Jersey|Mexico|Hampshire)|District of Columbia"),  # states' names
    re.compile(r"\S+\.pdf"),  # the name of the file she uploaded
    re.compile(r"Visa \d{4} \d{4} \d{4} \d{4}"),
]


def english_left_on(page: Page) -> list[str]:
    text = page.locator("body").inner_text()
    for name in (LUCIA.name, LUCIA.first_name, LUCIA.last_name, LUCIA.address, LUCIA.city):
        text = text.replace(name, " ")
    for pattern in NOT_INTERFACE:
        text = pattern.sub(" ", text)
    return [line.strip() for line in text.splitlines() if ENGLISH.search(line)]


PROBLEMS: list[str] = []


def expect_spanish(page: Page, label: str) -> None:
    """The page is in Spanish and passes axe; problems are collected, so that one run shows
    every page's (the test fails at its end if there were any)."""
    expect(page.locator("html")).to_have_attribute("lang", "es")
    left = english_left_on(page)
    if left:
        PROBLEMS.append(f"{label}: English left on the page: " + " | ".join(left))
    try:
        assert_accessible(page, f"es-{label}")
    except AssertionError as problem:
        PROBLEMS.append(str(problem))


def choose_spanish(page: Page, base: str) -> None:
    page.goto(f"{base}/catalogue/")
    page.get_by_label("Language").select_option("es")
    with page.expect_navigation():
        page.get_by_role("button", name="Change language").click()
    expect(page.get_by_label("Idioma")).to_have_value("es")


def register_in_spanish(page: Page, base: str, stack) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_registration-email", LUCIA.email)
    page.fill("#id_registration-password1", LUCIA.password)
    page.fill("#id_registration-password2", LUCIA.password)
    with page.expect_navigation():
        page.click("button[name=registration_submit]")
    expect(page.get_by_text("Revise su correo electrónico").first).to_be_visible()
    expect_spanish(page, "registration-sent")
    message = stack.wait_for_email(LUCIA.email, "Active su cuenta")
    link_path = re.search(r"https?://[^/\s]+(/\S+)", message.get_content()).group(1)
    page.goto(f"{base}{link_path}")
    expect_spanish(page, "activate")
    with page.expect_navigation():
        page.get_by_role("button", name="Activar mi cuenta").click()
    page.goto(f"{base}/accounts/profile/edit/")
    page.fill("#id_first_name", LUCIA.first_name)
    page.fill("#id_last_name", LUCIA.last_name)
    with page.expect_navigation():
        page.locator("form button[type=submit]").last.click()


def upload_in_spanish(page: Page) -> str:
    notice = j.basket_notice(page, j.ISOTRETINOIN_20)
    expect(notice).to_contain_text("Este producto todavía no tiene una receta adjunta.")
    notice.get_by_role("link", name="Subir una receta").click()
    expect(page.get_by_role("heading", level=1, name=f"Suba su receta de {j.ISOTRETINOIN_20}")).to_be_visible()
    expect_spanish(page, "upload")
    page.set_input_files("#id_files", files=[j.written_prescription(LUCIA, j.DR_LEE)])
    page.get_by_label("Cantidad recetada").fill("30")
    page.get_by_label("Resurtidos indicados en la receta").fill("0")
    page.get_by_label("El paciente es").select_option("self")
    page.get_by_label("Nombre del paciente").fill(LUCIA.first_name)
    page.get_by_label("Apellido del paciente").fill(LUCIA.last_name)
    page.get_by_label("Fecha de nacimiento del paciente").fill(LUCIA.date_of_birth)
    page.get_by_label("Dirección del paciente").fill(LUCIA.address)
    page.locator("#id_city").fill(LUCIA.city)
    page.locator("#id_state").select_option(LUCIA.state)
    page.get_by_label("Código postal (ZIP)").fill(LUCIA.postcode)
    page.get_by_label("Nombre del médico que recetó").fill(j.DR_LEE.name)
    page.get_by_label("Teléfono del médico que recetó").fill(j.DR_LEE.phone)
    with page.expect_navigation():
        page.get_by_role("button", name="Subir la receta").click()
    received = page.get_by_text(re.compile(r"Gracias: recibimos su receta RX-"))
    expect(received).to_be_visible()
    return j.REFERENCE.search(received.inner_text()).group()


def prescription_card(page: Page, reference: str):
    """The entry of ``reference`` in "Mis recetas"."""
    return page.locator(".rx-prescription-list > li").filter(has_text=f"Receta {reference}")


def test_the_customer_walkthrough_in_spanish(stack, page, new_page, shots):
    base = stack.base_url
    choose_spanish(page, base)
    register_in_spanish(page, base, stack)

    # --- Browse ----------------------------------------------------------------------------------------
    page.goto(f"{base}/catalogue/")
    expect_spanish(page, "catalogue")
    page.get_by_role("link", name=j.ISOTRETINOIN_20, exact=True).first.click()
    expect(page.get_by_role("heading", level=1, name=j.ISOTRETINOIN_20)).to_be_visible()
    expect(page.get_by_role("heading", name="Advertencia en recuadro")).to_be_visible()
    expect(page.get_by_role("link", name="Leer la Guía del medicamento de la FDA")).to_be_visible()
    expect(page.get_by_text("la FDA no publica en español la Guía de este medicamento")).to_be_visible()
    shots(page, "es-product")
    expect_spanish(page, "product")

    # --- Basket ----------------------------------------------------------------------------------------
    with page.expect_navigation():
        page.locator("#add_to_basket_form button[type=submit]").click()
    page.goto(f"{base}/basket/")
    expect(page.get_by_role("heading", level=1, name="Carrito")).to_be_visible()
    expect_spanish(page, "basket")

    # --- Upload, and the status e-mail in Spanish ------------------------------------------------------
    reference = upload_in_spanish(page)
    expect_spanish(page, "basket-after-upload")
    email = stack.wait_for_email(LUCIA.email, f"Su receta {reference}: En espera de un farmacéutico")
    body = email.get_body(preferencelist=("plain",)).get_content()
    assert f"Recibimos su receta {reference}" in body and "Para proteger su privacidad" in body
    assert not re.search(r"\b(We|Your|prescription|pharmacist)\b", body), body
    page.goto(f"{base}/prescriptions/")
    expect(prescription_card(page, reference).locator(".badge")).to_have_text("En espera de un farmacéutico")
    expect_spanish(page, "my-prescriptions")

    # --- Staff (English) verify it ---------------------------------------------------------------------
    j.transcribe_as_technician(new_page(), base, reference)
    pharmacist = new_page()
    j.staff_sign_in(pharmacist, base, j.PHARMACIST)
    j.open_from_queue(pharmacist, base, reference)
    j.verify(pharmacist, reference)
    email = stack.wait_for_email(LUCIA.email, f"Su receta {reference}: Verificada", seconds=60)
    assert "Ya puede pagar" in email.get_body(preferencelist=("plain",)).get_content()
    page.goto(f"{base}/prescriptions/")
    prescription_card(page, reference).get_by_role("link", name=f"Receta {reference}").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Estado:"))).to_be_visible()
    expect_spanish(page, "prescription-detail")

    # --- Checkout --------------------------------------------------------------------------------------
    page.goto(f"{base}/basket/")
    expect(page.locator(".rx-line-covered")).to_contain_text(f"Cubierto por su receta verificada {reference}")
    expect_spanish(page, "basket-covered")
    page.goto(f"{base}/checkout/")
    expect(page).to_have_url(re.compile(r"/checkout/shipping-address/"))
    expect_spanish(page, "checkout-address")
    page.fill("#id_first_name", LUCIA.first_name)
    page.fill("#id_last_name", LUCIA.last_name)
    page.fill("#id_line1", LUCIA.address)
    page.fill("#id_line4", LUCIA.city)
    page.locator("#id_state").select_option(LUCIA.state)
    page.fill("#id_postcode", LUCIA.postcode)
    page.fill("#id_phone_number", LUCIA.phone)
    with page.expect_navigation():
        page.get_by_role("button", name="Continuar").click()
    expect(page).to_have_url(re.compile(r"/checkout/payment-details/"))
    expect(page.get_by_text("Modo de prueba: no se cobra a ninguna tarjeta real.")).to_be_visible()
    expect_spanish(page, "checkout-payment")
    page.get_by_label(re.compile("4242 4242 4242 4242")).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Continuar").click()
    expect(page).to_have_url(re.compile(r"/checkout/preview/"))
    expect_spanish(page, "checkout-preview")
    shots(page, "es-checkout-preview")
    with page.expect_navigation():
        page.locator("#place-order").click()
    expect(page).to_have_url(re.compile(r"/checkout/thank-you/"))
    expect_spanish(page, "order-confirmation")
    number = re.search(r"(\d{6,})", page.get_by_role("heading", level=1).inner_text()).group(1)
    email = stack.wait_for_email(LUCIA.email, f"recibimos su pedido {number}", seconds=60)
    assert "Productos con receta" in email.get_body(preferencelist=("plain",)).get_content()

    # --- The order page --------------------------------------------------------------------------------
    page.goto(f"{base}/accounts/orders/{number}/")
    expect(page.get_by_text("En espera de que el farmacéutico revise su receta y surta el pedido.")).to_be_visible()
    expect(page.locator("h2:text-is('Estado') + p")).to_have_text("En espera de que se surta")
    shots(page, "es-order")
    expect_spanish(page, "order")
    assert PROBLEMS == [], "\n".join(PROBLEMS)
