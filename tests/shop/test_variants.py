"""One drug in several strengths (oscar parent/child products): a child needs a
prescription if it or its parent says so; what identifies it is its own where it
has it; the DEA schedule and programme are the stricter of the two — the same
whether the child is loaded on its own, prefetched, in the basket, in the gate, in
the facts, or on the catalogue pages."""

from __future__ import annotations

import pytest
from oscar.core.loading import get_model

from prescriptions.drugs import drug_info
from prescriptions.facts import drug_facts
from shop.apps.partner.strategy import NotSoldOnline, USPharmacy
from tests.factories import add_to_basket

from .variants import doxycycline_in_two_strengths

Product = get_model("catalogue", "Product")
BasketLine = get_model("basket", "Line")

pytestmark = pytest.mark.django_db


def fresh(product):
    return Product.objects.get(pk=product.pk)


def prefetched(product):
    return Product.objects.filter(pk=product.pk).prefetch_attribute_values().get()


@pytest.mark.parametrize("load", [fresh, prefetched])
def test_child_that_says_prescription_requires_one_when_loaded_on_its_own(demo_shop, load):
    _parent, low, _high = doxycycline_in_two_strengths()
    info = drug_info(load(low))
    assert info.requires_prescription
    assert (info.active_ingredient, info.strength, info.ndc, info.dosage_form) == (
        "Doxycycline hyclate",
        "50 mg",
        "99999-0250-28",
        "Capsule",
    )


@pytest.mark.parametrize("load", [fresh, prefetched])
def test_parent_that_says_prescription_wins_over_a_child_that_says_no(demo_shop, load):
    _parent, low, _high = doxycycline_in_two_strengths(
        parent_drug={"requires_prescription": True}, child_50={"requires_prescription": False}
    )
    assert drug_info(load(low)).requires_prescription


@pytest.mark.parametrize("load", [fresh, prefetched])
def test_schedule_and_programme_are_the_stricter_of_child_and_parent(demo_shop, load):
    _parent, low, high = doxycycline_in_two_strengths(
        parent_drug={"dea_schedule": 4, "programme": "ipledge"}, child_50={"dea_schedule": 2}
    )
    assert drug_info(load(low)).dea_schedule == 2
    assert drug_info(load(high)).dea_schedule == 4
    assert drug_info(load(high)).programme == "ipledge"
    assert drug_info(load(low)).is_controlled


def test_child_dosage_form_overrides_the_parent(demo_shop):
    _parent, low, _high = doxycycline_in_two_strengths(child_50={"dosage_form": "Tablet"})
    assert drug_info(fresh(low)).dosage_form == "Tablet"


def test_facts_read_the_child(demo_shop):
    _parent, low, _high = doxycycline_in_two_strengths(parent_drug={"dea_schedule": 4})
    drug = drug_facts(fresh(low))
    assert (drug.name, drug.strength, drug.requires_prescription, drug.dea_schedule) == (
        "Doxycycline hyclate",
        "50 mg",
        True,
        4,
    )


def test_partner_strategy_reads_the_child(demo_shop):
    _parent, low, high = doxycycline_in_two_strengths(child_100={"dea_schedule": 2})
    strategy = USPharmacy()
    assert strategy.fetch_for_product(fresh(low)).availability.code == "rx-required"
    assert isinstance(strategy.fetch_for_product(fresh(high)).availability, NotSoldOnline)


def test_parent_with_children_page_renders_with_its_drug_sections(demo_shop, client):
    parent, _low, _high = doxycycline_in_two_strengths()
    response = client.get(parent.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert "Doxycycline is a tetracycline antibiotic." in html


def test_child_page_shows_its_own_strength_and_that_it_needs_a_prescription(demo_shop, client):
    _parent, low, _high = doxycycline_in_two_strengths()
    response = client.get(low.get_absolute_url(), follow=True)
    assert response.status_code == 200
    html = response.content.decode()
    assert "99999-0250-28" in html and "Prescription required" in html


def test_catalogue_lists_the_parent(demo_shop, client):
    doxycycline_in_two_strengths()
    response = client.get("/catalogue/?page=1")
    assert response.status_code == 200


def test_child_in_the_basket_is_a_prescription_line_and_the_gate_refuses_it(alice_client):
    _parent, low, _high = doxycycline_in_two_strengths()
    add_to_basket(alice_client, low.upc)
    assert BasketLine.objects.filter(product=low).exists()
    html = alice_client.get("/basket/").content.decode()
    assert "Prescription items in your basket" in html
    response = alice_client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/basket/"
    messages = " ".join(str(m) for m in response.wsgi_request._messages)
    assert "Doxycycline hyclate 50 mg" in messages and "prescription" in messages


def test_controlled_child_of_an_uncontrolled_parent_cannot_be_added(alice_client):
    _parent, low, _high = doxycycline_in_two_strengths(child_50={"dea_schedule": 2})
    add_to_basket(alice_client, low.upc)
    assert not BasketLine.objects.filter(product=low).exists()
