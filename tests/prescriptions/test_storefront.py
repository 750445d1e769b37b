"""Where the customer meets prescriptions in the shop: the product page, the
basket and the account navigation (issue 4 §1, §5)."""

from __future__ import annotations

import pytest
from django.test import Client
from oscar.core.loading import get_model

from tests.factories import add_to_basket, product

from .conftest import form_data, submit, unique_pdf, upload, verify

pytestmark = pytest.mark.django_db

BasketLine = get_model("basket", "Line")


def basket_line(client, upc):
    add_to_basket(client, upc)
    return BasketLine.objects.filter(product__upc=upc).latest("id")


def test_account_navigation_links_to_my_prescriptions(alice_client):
    html = alice_client.get("/accounts/profile/").content.decode()
    assert 'href="/prescriptions/"' in html and "My prescriptions" in html


def test_product_page_offers_the_upload_to_visitors(demo_shop):
    iso = product("RX-ISO-20")
    html = Client().get(iso.get_absolute_url()).content.decode()
    assert f"/prescriptions/upload/product/{iso.pk}/" in html
    assert "You will be asked to sign in first" in html


def test_product_page_says_a_verified_prescription_is_on_file(alice_client, alice, pharmacist):
    iso = product("RX-ISO-20")
    verify(submit(alice, "RX-ISO-20"), pharmacist)
    html = alice_client.get(iso.get_absolute_url()).content.decode()
    assert "You have a verified prescription on file for this medicine." in html


def test_otc_and_controlled_product_pages_offer_no_upload(client, demo_shop):
    for upc in ("OTC-LIPBALM", "RX-TRAM-50"):
        html = client.get(product(upc).get_absolute_url()).content.decode()
        assert "/prescriptions/upload/" not in html, upc


def test_basket_line_without_prescription_offers_upload(alice_client):
    line = basket_line(alice_client, "RX-ISO-20")
    html = alice_client.get("/basket/").content.decode()
    assert "No prescription is attached to this item yet." in html
    assert f"/prescriptions/upload/basket-line/{line.pk}/" in html
    assert f"/prescriptions/attach/basket-line/{line.pk}/" not in html  # nothing on file yet


def test_basket_shows_the_prescription_waiting_for_verification(alice_client):
    response = alice_client.post(
        f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/",
        {**form_data(), "add_to_basket": "on", "files": [upload("rx.pdf", unique_pdf())]},
    )
    assert response["Location"] == "/basket/"
    html = alice_client.get("/basket/").content.decode()
    prescription = get_model("prescriptions", "Prescription").objects.get()
    assert f"Prescription {prescription.reference} is waiting for our pharmacist to verify it." in html
    assert f"/prescriptions/{prescription.public_id}/" in html


def test_basket_shows_which_verified_prescription_covers_the_line(alice_client, alice, pharmacist, monkeypatch):
    # What the gate then makes of the covered line (compliance rules on the
    # transcription) is the gate's own test; here only the display is checked.
    monkeypatch.setattr("shop.storefront.templatetags.pharmacy_tags.refusals_for_basket", lambda *a, **k: [])
    line = basket_line(alice_client, "RX-ISO-20")
    prescription = verify(submit(alice, "RX-ISO-20", basket_line=line), pharmacist)
    html = alice_client.get("/basket/").content.decode()
    assert f"Covered by your verified prescription {prescription.reference}." in html


def test_basket_offers_a_prescription_on_file(alice_client, alice, pharmacist):
    verify(submit(alice, "RX-DOXY-100", quantity=28), pharmacist)
    line = basket_line(alice_client, "RX-DOXY-100")
    html = alice_client.get("/basket/").content.decode()
    assert f"/prescriptions/attach/basket-line/{line.pk}/" in html
    assert "Use a prescription on file" in html


def test_basket_asks_to_answer_the_pharmacist(alice_client, alice, pharmacist):
    from prescriptions import services
    from prescriptions.models import PrescriptionStatus as S

    line = basket_line(alice_client, "RX-ISO-20")
    prescription = submit(alice, "RX-ISO-20", basket_line=line)
    services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
    services.transition_prescription(
        prescription=prescription, to_status=S.INFO_REQUESTED, actor=pharmacist, message_to_customer="Which strength?"
    )
    html = alice_client.get("/basket/").content.decode()
    assert "Answer the pharmacist" in html and f"/prescriptions/{prescription.public_id}/#answer" in html
