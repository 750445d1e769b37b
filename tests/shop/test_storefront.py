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


def test_isotretinoin_page_shows_drug_information_badge_steps_and_boxed_warning(
    client, demo_shop, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        response = client.get(product("RX-ISO-20").get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    for heading in (
        "Boxed warning",
        "How it works",
        "Uses",
        "When it is not for you",
        "Benefits",
        "Side effects",
        "Recommendations",
        "Frequently asked questions",
    ):
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
    assert "arrives by" in html and "After your prescription is verified" not in html  # an OTC promise


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


def test_footer_licences_are_read_once_then_cached_until_a_licence_changes(client, demo_shop):
    import datetime

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from compliance.models import PharmacyLicence

    def licence_queries():
        with CaptureQueriesContext(connection) as queries:
            html = client.get("/catalogue/").content.decode()
        return html, [q for q in queries if "compliance_pharmacylicence" in q["sql"]]

    html, queries = licence_queries()
    assert len(queries) == 1 and "Massachusetts" not in html
    html, queries = licence_queries()
    assert queries == []  # from the cache
    licence = PharmacyLicence.objects.create(
        state="MA",
        kind=PharmacyLicence.Kind.choices[0][0],
        number="MA-1",
        expires_on=timezone.localdate() + datetime.timedelta(days=300),
    )
    html, queries = licence_queries()
    assert len(queries) == 1 and "Massachusetts" in html  # saving a licence drops the cached list
    licence.delete()
    html, _ = licence_queries()
    assert "Massachusetts" not in html


def _reviews_url(p, tail=""):
    return f"/catalogue/{p.slug}_{p.pk}/reviews/{tail}"


def test_prescription_drugs_have_no_review_pages_even_by_typed_url(client, demo_shop, django_user_model):
    """STOREFRONT.md: reviews for OTC products only; ratings of a prescription drug read as
    medical claims. Hiding the form is not enough: the pages must not exist."""
    rx, otc = product("RX-ISO-20"), product("OTC-LIPBALM")
    assert client.get(_reviews_url(otc)).status_code == 200
    assert client.get(_reviews_url(otc, "add/")).status_code == 200
    user = django_user_model.objects.create_user(username="r", email="r@example.com", password="pw-123456789")
    client.force_login(user)
    for tail in ("", "add/", "1/"):
        assert client.get(_reviews_url(rx, tail)).status_code == 404, tail
    response = client.post(
        _reviews_url(rx, "add/"), {"title": "Cured my acne!", "score": 5, "body": "Best drug ever, no side effects."}
    )
    assert response.status_code == 404
    assert client.post(_reviews_url(rx, "1/vote/"), {"delta": 1}).status_code == 404
    assert not get_model("reviews", "ProductReview").objects.filter(product=rx).exists()
    # The OTC product's review form still takes a review.
    client.post(_reviews_url(otc, "add/"), {"title": "Nice", "score": 4, "body": "Works in the cold."})
    assert get_model("reviews", "ProductReview").objects.filter(product=otc).exists()
