"""The storefront: catalogue pages, drug information, legitimacy details."""
from __future__ import annotations

import pytest

from oscar.core.loading import get_model

from tests.factories import add_to_basket, product

Line = get_model("basket", "Line")

pytestmark = pytest.mark.django_db


def test_catalogue_lists_the_demo_products_with_bounded_queries(client, demo_shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(45):
        response = client.get("/catalogue/")
    assert response.status_code == 200
    assert b"Isotretinoin 20 mg capsules" in response.content
    assert b"Lip balm SPF 15" in response.content


def test_isotretinoin_page_shows_drug_information_badge_steps_and_boxed_warning(client, demo_shop, django_assert_max_num_queries):
    with django_assert_max_num_queries(40):
        response = client.get(product("RX-ISO-20").get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for heading in ("Boxed warning", "How it works", "Uses", "When it is not for you", "Benefits",
                    "Side effects", "Recommendations", "Frequently asked questions"):
        assert heading in html, heading
    assert "Prescription required" in html
    assert "Upload your prescription" in html and "A licensed pharmacist verifies it" in html
    assert "severe, life-threatening birth defects" in html
    assert "iPLEDGE" in html
    assert "Delivery estimate" in html
    assert "Medication Guide" in html
    # Never the spam-site wording.
    assert "without a prescription" not in html.lower().replace("\u201cwithout a prescription\u201d", "")


def test_otc_page_has_no_prescription_badge(client, demo_shop):
    html = client.get(product("OTC-SPF50").get_absolute_url()).content.decode()
    assert "rx-required" not in html
    assert "Ships the next business day" in html


def test_footer_shows_pharmacy_legitimacy_details(client, demo_shop):
    html = client.get("/catalogue/").content.decode()
    assert "Pharmacist-in-charge" in html
    assert "State pharmacy licences" in html
    assert "New York" in html  # a demo licence
    assert "Massachusetts" not in html  # not licensed there
    assert "1-800-555-0142" in html


def test_controlled_substance_is_listed_but_cannot_be_added_to_the_basket(alice_client):
    tramadol = product("RX-TRAM-50")
    page = alice_client.get(tramadol.get_absolute_url()).content.decode()
    assert "not registered with the DEA" in page
    add_to_basket(alice_client, "RX-TRAM-50")
    assert not Line.objects.filter(basket__owner__email="alice@example.com", product=tramadol).exists()


def test_contact_and_policy_pages_render(client, demo_shop):
    assert "Poison Control" in client.get("/pharmacy/contact/").content.decode()
    assert "HIPAA" in client.get("/pharmacy/policies/").content.decode()
