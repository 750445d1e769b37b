"""One fill backs one order (issue 17 item 1): a prescription's coverage counts the fills its
open orders already hold, not only the fills dispensed; place-order counts again with the
prescription locked, so two checkouts at once place exactly one order."""

from __future__ import annotations

import datetime
import threading

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from oscar.apps.checkout.signals import post_payment
from oscar.core.loading import get_class, get_model

from payments.models import PaymentAuthorisation
from prescriptions import fulfilment, selectors, services
from prescriptions.dispensing import services as dispensing
from prescriptions.orders import LineStatus, OrderStatus, Route, change_line_status
from tests.dispensing.test_gate_and_dispense import place_rx_order, verified_basket_line
from tests.factories import (
    OrderFactory,
    PrescriptionFactory,
    add_to_basket,
    answer_3d_secure,
    checkout_to_preview,
    place_order,
    product,
    transcription_for,
)
from tests.review.test_claims import postgres_only, run_together

Order = get_model("order", "Order")
OrderLine = get_model("order", "Line")
Basket = get_model("basket", "Basket")
BasketLine = get_model("basket", "Line")
Selector = get_class("partner.strategy", "Selector")

pytestmark = pytest.mark.django_db


def messages_of(response) -> str:
    return " ".join(str(m) for m in response.wsgi_request._messages)


def order_again(client, customer, prescription, *, upc="RX-ISO-20", quantity=1):
    """The customer puts the medicine in a new basket and attaches the prescription on file."""
    add_to_basket(client, upc, quantity=quantity)
    line = BasketLine.objects.get(basket__owner=customer, basket__status=Basket.OPEN, product__upc=upc)
    services.attach_prescription_to_basket_line(line=line, prescription=prescription, customer=customer)
    return line


def open_basket(customer):
    basket = Basket.objects.get(owner=customer, status=Basket.OPEN)
    basket.strategy = Selector().strategy(user=customer)
    return basket


def rx_order_holding(prescription, *, packs=1, status=OrderStatus.AWAITING_DISPENSE):
    """An order placed for the prescription's medicine, its line pointing at the prescription
    (as checkout's OrderCreator copies it from the basket line)."""
    order = OrderFactory(lines=[(prescription.product, packs)], status=status, user=prescription.customer)
    order.lines.update(prescription=prescription)
    return order


# --- Checkout ------------------------------------------------------------------------------


def test_one_fill_left_backs_one_order_and_the_second_is_refused_at_checkout(
    alice_client, alice, technician, pharmacist, localstripe
):
    prescription, response = place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    assert response["Location"] == "/checkout/thank-you/"
    first = Order.objects.get()
    prescription.refresh_from_db()
    assert prescription.fills_used == 0 and prescription.fills_remaining == 1  # not dispensed yet

    order_again(alice_client, alice, prescription)
    response = alice_client.get("/checkout/")
    assert response.status_code == 302 and response["Location"] == "/basket/"
    said = messages_of(response)
    assert f"This prescription's remaining fill is already in your order {first.number}" in said
    assert prescription.reference in said and "upload a new prescription" in said
    assert f"already in your order {first.number}" in alice_client.get("/basket/").content.decode()

    # Pressing "Place order" directly changes nothing, and no card is touched for it.
    assert place_order(alice_client)["Location"] == "/basket/"
    assert Order.objects.count() == 1
    assert PaymentAuthorisation.objects.count() == 1


def test_cancelling_the_first_order_gives_its_fill_back(
    alice_client, alice, technician, pharmacist, shop_admin, localstripe
):
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
    first = Order.objects.get()
    order_again(alice_client, alice, prescription)
    assert alice_client.get("/checkout/")["Location"] == "/basket/"

    fulfilment.cancel_order(order=first, reason="The customer asked us to.", actor=shop_admin, via=Route.STAFF)

    checkout_to_preview(alice_client)
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    second = Order.objects.exclude(pk=first.pk).get()
    assert second.lines.get().prescription_id == prescription.pk
    assert second.status == OrderStatus.AWAITING_DISPENSE


def test_a_cancelled_line_in_an_open_order_gives_its_fill_back(alice, pharmacist):
    prescription = PrescriptionFactory(
        verified=True, customer=alice, product=product("RX-ISO-20"), pharmacist=pharmacist
    )
    order = rx_order_holding(prescription)
    assert selectors.open_order_holds([prescription.pk]) == {prescription.pk: [str(order.number)]}
    # A line the dispense step refused (the rest of the order may still go out).
    change_line_status(
        line=order.lines.get(),
        to=LineStatus.CANCELLED,
        actor=pharmacist,
        via=Route.DISPENSING,
        note="Blocked at dispense.",
    )
    assert selectors.open_order_holds([prescription.pk]) == {}


# --- What an open order holds -----------------------------------------------------------------


def test_an_open_order_for_part_of_a_fill_holds_the_whole_fill(alice_client, alice, pharmacist):
    """A prescription for 60 per fill, one fill: an open order for 30 leaves nothing to order,
    because its dispense uses the fill (``record_fill``), whatever quantity it was for."""
    prescription = PrescriptionFactory(
        verified=True,
        customer=alice,
        product=product("RX-ISO-20"),
        quantity=60,
        transcription=transcription_for(product("RX-ISO-20"), quantity=60),
        pharmacist=pharmacist,
    )
    assert (prescription.quantity, prescription.fills_remaining) == (60, 1)
    line = order_again(alice_client, alice, prescription)  # 1 pack of 30
    assert selectors.coverage_for_line(line).covered
    order = rx_order_holding(prescription, packs=1)

    coverage = selectors.coverage_for_basket(open_basket(alice))[line.pk]
    assert (coverage.covered, coverage.state) == (False, "in_open_order")
    assert f"already in your order {order.number}" in coverage.message
    assert selectors.covering_prescription_for_line(line) is None


def test_with_a_refill_left_the_next_order_may_take_a_full_fill_and_no_more(alice_client, alice, pharmacist):
    rx = product("RX-DOXY-100")  # 28 capsules a pack, no programme
    prescription = PrescriptionFactory(
        verified=True,
        customer=alice,
        product=rx,
        quantity=56,
        refills=1,
        transcription=transcription_for(rx, quantity=56, refills=1),
        pharmacist=pharmacist,
    )
    assert (prescription.quantity, prescription.fills_remaining) == (56, 2)
    rx_order_holding(prescription, packs=1)  # 28 of one fill
    line = order_again(alice_client, alice, prescription, upc="RX-DOXY-100", quantity=2)  # a full fill, 56

    assert selectors.coverage_for_basket(open_basket(alice))[line.pk].covered
    BasketLine.objects.filter(pk=line.pk).update(quantity=3)  # 84: more than a fill
    assert selectors.coverage_for_basket(open_basket(alice))[line.pk].state == "mismatch"

    second = rx_order_holding(prescription, packs=2)  # the second fill is promised too
    BasketLine.objects.filter(pk=line.pk).update(quantity=1)
    coverage = selectors.coverage_for_basket(open_basket(alice))[line.pk]
    assert coverage.state == "in_open_order"
    assert "This prescription's 2 remaining fills are already in your orders" in coverage.message
    assert str(second.number) in coverage.message


def test_two_lines_of_one_basket_cannot_share_the_last_fill(alice_client, alice, pharmacist):
    rx = product("RX-DOXY-100")
    prescription = PrescriptionFactory(
        verified=True,
        customer=alice,
        product=rx,
        quantity=28,
        transcription=transcription_for(rx, quantity=28),
        pharmacist=pharmacist,
    )
    first = order_again(alice_client, alice, prescription, upc="RX-DOXY-100")
    basket = open_basket(alice)
    # A second line for the same medicine (oscar merges re-adds, so it is written directly).
    second = BasketLine.objects.create(
        basket=basket,
        product=rx,
        quantity=1,
        line_reference="doxy-again",
        stockrecord=first.stockrecord,
        price_currency=first.price_currency,
        price_excl_tax=first.price_excl_tax,
        price_incl_tax=first.price_incl_tax,
        prescription=prescription,
    )
    coverage = selectors.coverage_for_basket(open_basket(alice))
    assert coverage[first.pk].covered
    assert (coverage[second.pk].covered, coverage[second.pk].state) == (False, "in_open_order")


def test_a_dispensed_order_is_counted_once(alice_client, alice, technician, pharmacist, localstripe):
    """Dispensed: its fill is in ``fills_used``, and its line is no longer open."""
    rx = product("RX-DOXY-100")
    add_to_basket(alice_client, "RX-DOXY-100")
    line = BasketLine.objects.get(basket__owner=alice, product=rx)
    prescription = PrescriptionFactory(
        verified=True,
        customer=alice,
        product=rx,
        quantity=28,
        refills=1,
        transcription=transcription_for(rx, quantity=28, refills=1),
        technician=technician,
        pharmacist=pharmacist,
        basket_line=line,
    )
    checkout_to_preview(alice_client)
    assert place_order(alice_client)["Location"] == "/checkout/thank-you/"
    first = Order.objects.get()
    outcome = dispensing.dispense_order(order=first, pharmacist=pharmacist, medication_guide_included=True)
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    prescription.refresh_from_db()
    assert prescription.fills_used == 1 and prescription.fills_remaining == 1
    assert selectors.open_order_holds([prescription.pk]) == {}

    # The refill is ordered once it is no longer too soon (75 % of the 30 days' supply).
    with time_machine.travel(timezone.now() + datetime.timedelta(days=23), tick=False):
        alice_client.force_login(alice)
        order_again(alice_client, alice, prescription, upc="RX-DOXY-100")
        checkout_to_preview(alice_client)
        assert place_order(alice_client)["Location"] == "/checkout/thank-you/"
    second = Order.objects.exclude(pk=first.pk).get()
    assert selectors.open_order_holds([prescription.pk]) == {prescription.pk: [str(second.number)]}

    # Its last fill is now held: a third order is refused.
    order_again(alice_client, alice, prescription, upc="RX-DOXY-100")
    response = alice_client.get("/checkout/")
    assert response["Location"] == "/basket/"
    assert f"already in your order {second.number}" in messages_of(response)


def test_coverage_costs_the_same_queries_for_many_lines_and_orders(
    alice_client, alice, pharmacist, django_assert_max_num_queries
):
    from prescriptions.drugs import drug_info

    for upc in ("RX-ISO-10", "RX-ISO-20", "RX-ISO-30", "RX-ISO-40", "RX-DOXY-100"):
        rx = product(upc)
        refills = 5 if upc == "RX-DOXY-100" else 0  # iPLEDGE allows no refills
        prescription = PrescriptionFactory(
            verified=True,
            customer=alice,
            product=rx,
            quantity=90,
            refills=refills,
            transcription=transcription_for(rx, quantity=90, refills=refills),
            pharmacist=pharmacist,
        )
        for _ in range(3):
            rx_order_holding(prescription)
        order_again(alice_client, alice, prescription, upc=upc)
    basket = open_basket(alice)
    for line in basket.all_lines():
        drug_info(line.product)  # cached per product; the gate pays them anyway
    with django_assert_max_num_queries(3):
        coverage = selectors.coverage_for_basket(basket)
    states = sorted((c.product_title[:11], c.state) for c in coverage.values())
    assert states == [("Doxycycline", "covered")] + [("Isotretinoi", "in_open_order")] * 4


# --- Two checkouts at the same moment (PostgreSQL) -----------------------------------------------


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_two_browsers_placing_at_once_for_the_last_fill_place_exactly_one_order(
    alice, technician, pharmacist, localstripe
):
    """Browser A placed the order and its bank asks for 3-D Secure (its basket frozen, no order
    yet); browser B orders the same medicine again from a new basket with the same prescription.
    A confirms and B presses "Place order" at the same moment: each passes the gate before the
    other's order exists, so only the lock at placing can stop the second order."""
    first, second = Client(), Client()
    first.force_login(alice)
    second.force_login(alice)
    prescription = verified_basket_line(first, alice, technician, pharmacist)  # its one fill left
    checkout_to_preview(first, card="3ds")
    assert place_order(first)["Location"] == "/stripe/authenticate/"
    order_again(second, alice, prescription)  # oscar gives B a new basket: A's is frozen
    # Shipped elsewhere, so the two orders differ in more than the prescription (the address book).
    assert checkout_to_preview(second, address={"line1": "1 Front Street"}).status_code == 200
    assert Basket.objects.filter(owner=alice).count() == 2 and not Order.objects.exists()

    # Both are past the gate of handle_payment (card authorised) before either writes its order.
    both_paid = threading.Barrier(2)

    def wait_for_the_other(**kwargs):
        both_paid.wait(timeout=20)

    post_payment.connect(wait_for_the_other, dispatch_uid="coverage-race")
    try:
        results = run_together(lambda: answer_3d_secure(first, "success"), lambda: place_order(second))
    finally:
        post_payment.disconnect(dispatch_uid="coverage-race")
    connection.close()

    assert [kind for kind, _ in results] == ["ok", "ok"], results
    assert Order.objects.count() == 1, list(Order.objects.values_list("number", flat=True))
    winner = Order.objects.get()
    assert winner.lines.get().prescription_id == prescription.pk
    locations = sorted(response.get("Location", "") for _, response in results)
    assert locations == ["", "/checkout/thank-you/"], locations
    loser = next(response for _, response in results if response.status_code == 200)
    assert f"already in your order {winner.number}" in loser.content.decode()
    # The loser's card hold was given back; the winner's pays for its order.
    assert sorted((a.state, a.order_id) for a in PaymentAuthorisation.objects.all()) == sorted(
        [(PaymentAuthorisation.State.AUTHORISED, winner.pk), (PaymentAuthorisation.State.VOIDED, None)]
    )
