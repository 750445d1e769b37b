"""Basket lines point at the prescription that covers them; the selectors say
whether it does (issue 4 §1, §4, §5)."""

from __future__ import annotations

import datetime

import pytest
from oscar.core.loading import get_class, get_model

from prescriptions import selectors, services
from prescriptions.models import Prescription
from prescriptions.models import PrescriptionStatus as S

from .conftest import form_data, submit, unique_pdf, upload, verify

pytestmark = pytest.mark.django_db

BasketLine = get_model("basket", "Line")
OrderLine = get_model("order", "Line")


def basket_line(client, upc):
    from tests.factories import add_to_basket

    add_to_basket(client, upc)
    return BasketLine.objects.filter(product__upc=upc).select_related("basket", "product").latest("id")


def test_basket_line_without_a_prescription_is_not_covered(alice_client):
    line = basket_line(alice_client, "RX-ISO-20")
    coverage = selectors.coverage_for_line(line)
    assert (coverage.covered, coverage.state, coverage.prescription) == (False, "no_prescription", None)
    assert selectors.covering_prescription_for_line(line) is None


def test_upload_from_the_basket_line_attaches_the_new_prescription(alice_client):
    line = basket_line(alice_client, "RX-ISO-20")
    response = alice_client.post(
        f"/prescriptions/upload/basket-line/{line.pk}/", {**form_data(), "files": [upload("rx.pdf", unique_pdf())]}
    )
    assert response.status_code == 302 and response["Location"] == "/basket/"
    line.refresh_from_db()
    prescription = Prescription.objects.get()
    assert line.prescription == prescription and prescription.product == line.product
    coverage = selectors.coverage_for_line(line)
    assert (coverage.covered, coverage.state) == (False, "awaiting_verification")


def test_verified_prescription_covers_the_line(alice_client, alice, pharmacist):
    line = basket_line(alice_client, "RX-ISO-20")
    prescription = verify(submit(alice, "RX-ISO-20", basket_line=line), pharmacist)
    line.refresh_from_db()
    assert selectors.covering_prescription_for_line(line) == prescription
    assert (
        selectors.coverage_for_line(line).message == f"Covered by your verified prescription {prescription.reference}."
    )


def test_attach_a_verified_prescription_on_file(alice_client, alice, pharmacist):
    prescription = verify(submit(alice, "RX-DOXY-100", quantity=28), pharmacist)
    line = basket_line(alice_client, "RX-DOXY-100")
    page = alice_client.get(f"/prescriptions/attach/basket-line/{line.pk}/").content.decode()
    assert prescription.reference in page
    response = alice_client.post(
        f"/prescriptions/attach/basket-line/{line.pk}/", {"prescription": str(prescription.public_id)}
    )
    assert response.status_code == 302
    line.refresh_from_db()
    assert selectors.covering_prescription_for_line(line) == prescription


def test_cannot_attach_someone_elses_prescription(alice_client, bob, pharmacist):
    theirs = verify(submit(bob, "RX-DOXY-100", quantity=28), pharmacist)
    line = basket_line(alice_client, "RX-DOXY-100")
    response = alice_client.post(
        f"/prescriptions/attach/basket-line/{line.pk}/", {"prescription": str(theirs.public_id)}
    )
    assert response.status_code == 302 and "/upload/basket-line/" in response["Location"]  # nothing on file
    line.refresh_from_db()
    assert line.prescription is None
    with pytest.raises(services.CannotAttach):
        services.attach_prescription_to_basket_line(line=line, prescription=theirs, customer=line.basket.owner)


def test_another_customers_basket_line_is_404(alice_client, client, bob):
    line = basket_line(alice_client, "RX-ISO-20")
    client.force_login(bob)
    assert client.get(f"/prescriptions/upload/basket-line/{line.pk}/").status_code == 404
    assert client.get(f"/prescriptions/attach/basket-line/{line.pk}/").status_code == 404


@pytest.mark.parametrize(
    "change, state",
    [
        ("other_strength", "mismatch"),
        ("too_many", "mismatch"),
        ("expired", "not_usable"),
        ("used_up", "not_usable"),
        ("rejected", "not_usable"),
        ("question", "needs_answer"),
    ],
)
def test_line_is_not_covered_when_the_prescription_does_not_fit(alice_client, alice, pharmacist, change, state):
    line = basket_line(alice_client, "RX-ISO-20")
    prescription = submit(alice, "RX-ISO-20", basket_line=line)
    if change in ("rejected", "question"):
        services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
        services.transition_prescription(
            prescription=prescription,
            to_status=S.REJECTED if change == "rejected" else S.INFO_REQUESTED,
            actor=pharmacist,
            message_to_customer="Reason",
        )
    else:
        verify(prescription, pharmacist)
    if change == "other_strength":
        from tests.factories import product

        BasketLine.objects.filter(pk=line.pk).update(product=product("RX-ISO-30"))
    elif change == "too_many":
        BasketLine.objects.filter(pk=line.pk).update(quantity=2)  # 2 packs of 30 > 30 per fill
    elif change == "expired":
        Prescription.objects.filter(pk=prescription.pk).update(expires_on=datetime.date(2020, 1, 1))
    elif change == "used_up":
        services.record_fill(prescription=prescription, actor=pharmacist)
    line = BasketLine.objects.select_related("basket", "product").get(pk=line.pk)
    coverage = selectors.coverage_for_line(line)
    assert (coverage.covered, coverage.state) == (False, state)
    assert selectors.covering_prescription_for_line(line) is None


def test_verified_prescriptions_for_lists_only_usable_ones(alice, bob, pharmacist):
    from tests.factories import product

    usable = verify(submit(alice, "RX-DOXY-100", quantity=28), pharmacist)
    expired = verify(submit(alice, "RX-DOXY-100", quantity=28), pharmacist)
    Prescription.objects.filter(pk=expired.pk).update(expires_on=datetime.date(2020, 1, 1))
    submit(alice, "RX-DOXY-100", quantity=28)  # not verified yet
    verify(submit(bob, "RX-DOXY-100", quantity=28), pharmacist)  # someone else's
    assert list(selectors.verified_prescriptions_for(alice, product("RX-DOXY-100"))) == [usable]


def _open_basket(customer):
    Basket = get_model("basket", "Basket")
    Selector = get_class("partner.strategy", "Selector")
    basket = Basket.objects.get(owner=customer, status=Basket.OPEN)
    basket.strategy = Selector().strategy(user=customer)
    return basket


def test_coverage_for_basket_costs_a_fixed_number_of_queries(
    alice_client, alice, pharmacist, django_assert_max_num_queries
):
    from prescriptions.drugs import drug_info

    for upc in ("RX-ISO-10", "RX-ISO-20", "RX-ISO-30", "RX-ISO-40", "RX-DOXY-100", "OTC-LIPBALM"):
        line = basket_line(alice_client, upc)
        if upc.startswith("RX"):
            verify(submit(alice, upc, basket_line=line, quantity=30), pharmacist)
    basket = _open_basket(alice)
    for line in basket.all_lines():
        drug_info(line.product)  # the drug facts are cached per product; the gate pays them anyway
    with django_assert_max_num_queries(3):  # prescriptions, the open orders holding their fills, attachable ones
        coverage = selectors.coverage_for_basket(basket)
    assert len(coverage) == 5 and all(c.covered for c in coverage.values())


def test_order_line_keeps_the_prescription_of_the_basket_line(alice_client, alice, pharmacist):
    from decimal import Decimal

    from oscar.apps.shipping.methods import Free
    from oscar.core.prices import Price

    line = basket_line(alice_client, "RX-ISO-20")
    prescription = verify(submit(alice, "RX-ISO-20", basket_line=line), pharmacist)
    basket = _open_basket(alice)
    OrderCreator = get_class("order.utils", "OrderCreator")
    assert OrderCreator.__module__ == "shop.apps.order.utils"
    order = OrderCreator().place_order(
        basket=basket,
        total=Price("USD", excl_tax=Decimal("149.00"), tax=Decimal("0.00")),
        shipping_method=Free(),
        shipping_charge=Price("USD", excl_tax=Decimal("0"), tax=Decimal("0")),
        user=alice,
        order_number="900001",
    )
    assert order.lines.get().prescription == prescription
