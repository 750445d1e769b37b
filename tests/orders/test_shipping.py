"""Parcels: ship_order records what left, in which parcel, with which tracking number; the order
is "Shipped" once every line not cancelled has gone; OTC cards are captured at the first parcel."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from oscar.core.loading import get_model

from compliance import subjects
from compliance.core import Stage
from compliance.models import ComplianceEvaluation
from payments.models import PaymentAuthorisation
from prescriptions import fulfilment
from prescriptions.dispensing.models import ProgrammeAuthorisation
from prescriptions.models import Shipment, ShipmentLine
from prescriptions.orders import LineStatus, OrderStatus, OrderStatusRefused
from tests.factories.orders import ship

from .test_door import dispense, rx_line

Order = get_model("order", "Order")
ShippingEvent = get_model("order", "ShippingEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def test_a_dispensed_prescription_order_ships_whole_in_one_parcel(
    rx_order, pharmacist, django_capture_on_commit_callbacks
):
    dispense(rx_order, pharmacist)
    with django_capture_on_commit_callbacks(execute=True):
        order = ship(rx_order, pharmacist)
    assert order.status == OrderStatus.SHIPPED
    assert set(order.lines.values_list("status", flat=True)) == {LineStatus.SHIPPED}
    shipment = Shipment.objects.get(order=order)
    assert (shipment.carrier, shipment.tracking_number) == ("usps", "9400111899223856928499")
    assert shipment.shipped_on == timezone.localdate() and shipment.shipped_by == pharmacist
    assert {(sl.order_line_id, sl.quantity) for sl in shipment.lines.all()} == {
        (line.pk, line.quantity) for line in order.lines.all()
    }
    # Oscar's own record: a "Shipped" shipping event with the lines and quantities.
    event = ShippingEvent.objects.get(order=order)
    assert event.event_type.name == "Shipped" and shipment.shipping_event == event
    assert {(q.line_id, q.quantity) for q in event.line_quantities.all()} == {
        (line.pk, line.quantity) for line in order.lines.all()
    }
    # The customer gets the tracking link; the e-mail names no drug.
    (sent,) = [m for m in mail.outbox if "on its way" in m.subject]
    assert sent.to == [order.email]
    assert "https://tools.usps.com/go/TrackConfirmAction?tLabels=9400111899223856928499" in sent.body
    assert not any(line.title.split()[0] in sent.body for line in order.lines.all())
    assert "Isotretinoin" not in sent.body and "Lip balm" not in sent.body


def test_a_partial_shipment_leaves_the_order_dispensed_until_the_last_parcel(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    iso = rx_line(rx_order)
    balm = rx_order.lines.get(product__title="Lip balm")
    ship(rx_order, pharmacist, lines={iso.pk: 1, balm.pk: 1})
    rx_order.refresh_from_db()
    iso.refresh_from_db()
    balm.refresh_from_db()
    assert rx_order.status == OrderStatus.DISPENSED
    assert (iso.status, balm.status) == (LineStatus.SHIPPED, LineStatus.PENDING)
    assert fulfilment.quantities_left(rx_order) == {balm.pk: 1}
    # The second parcel, by UPS, takes the rest: the order has shipped.
    ship(rx_order, pharmacist, carrier="ups", tracking_number="1Z999AA10123456784")
    rx_order.refresh_from_db()
    assert rx_order.status == OrderStatus.SHIPPED
    assert Shipment.objects.filter(order=rx_order).count() == 2
    assert ShipmentLine.objects.filter(order_line=balm).count() == 2
    with pytest.raises(OrderStatusRefused):  # nothing left
        ship(rx_order, pharmacist)


def test_an_otc_order_is_captured_when_its_first_parcel_ships(otc_order, pharmacist):
    line = otc_order.lines.get()
    ship(otc_order, pharmacist, carrier="fedex", tracking_number="123456789012", lines={line.pk: 1})
    authorisation = otc_order.payment_authorisations.get()
    assert (authorisation.state, authorisation.amount_captured) == (State.CAPTURED, otc_order.total_incl_tax)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT
    ship(otc_order, pharmacist, carrier="fedex", tracking_number="123456789012345")
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.SHIPPED


def test_a_prescription_order_not_dispensed_cannot_ship(rx_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="not dispensed yet"):
        ship(rx_order, pharmacist)
    assert not Shipment.objects.exists()
    assert rx_order.payment_authorisations.get().state == State.AUTHORISED


@pytest.mark.parametrize(
    "carrier, number",
    [
        ("usps", "940011189922385692849"[:19]),  # 19 digits
        ("usps", "EA123456789US"),  # S10 with a wrong check digit
        ("ups", "1Z999AA1012345678"),  # 15 after 1Z
        ("fedex", "1234567890123"),  # 13 digits
    ],
)
def test_a_tracking_number_in_the_wrong_format_is_refused(otc_order, pharmacist, carrier, number):
    with pytest.raises(OrderStatusRefused, match="is not a"):
        ship(otc_order, pharmacist, carrier=carrier, tracking_number=number)
    assert not Shipment.objects.exists()
    assert otc_order.payment_authorisations.get().state == State.AUTHORISED  # nothing captured


def test_a_parcel_cannot_have_left_in_the_future(otc_order, pharmacist):
    with pytest.raises(OrderStatusRefused, match="in the future"):
        ship(otc_order, pharmacist, shipped_on=timezone.localdate() + datetime.timedelta(days=1))
    ship(otc_order, pharmacist, shipped_on=timezone.localdate() - datetime.timedelta(days=1))
    assert Shipment.objects.get().shipped_on == timezone.localdate() - datetime.timedelta(days=1)


def test_a_line_not_in_the_order_or_too_many_units_is_refused(otc_order, rx_order, pharmacist):
    other = rx_order.lines.first()
    with pytest.raises(OrderStatusRefused, match="not part of order"):
        ship(otc_order, pharmacist, lines={other.pk: 1})
    line = otc_order.lines.get()
    with pytest.raises(OrderStatusRefused, match="left to ship"):
        ship(otc_order, pharmacist, lines={line.pk: 3})
    assert not Shipment.objects.exists()


def test_only_staff_allowed_to_ship_record_a_parcel(otc_order, customer):
    with pytest.raises(OrderStatusRefused, match="allowed to ship"):
        ship(otc_order, customer)


def _dispensed_rma(order, pharmacist, *, last_day):
    line = rx_line(order)
    return ProgrammeAuthorisation.objects.create(
        order_line=line,
        prescription=line.prescription,
        programme="ipledge",
        number="RMA-1",
        do_not_dispense_after=last_day,
        risk_category="cannot",
        quantity=30,
        days_supply=30,
        obtained_by=pharmacist,
        state=ProgrammeAuthorisation.State.DISPENSED,
    )


def test_an_ipledge_parcel_promised_after_the_rma_date_is_refused_at_ship_and_the_evaluation_kept(
    rx_order, pharmacist, settings
):
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}
    dispense(rx_order, pharmacist)
    line = rx_line(rx_order)
    _dispensed_rma(rx_order, pharmacist, last_day=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(OrderStatusRefused, match="faster shipping method"):
        ship(rx_order, pharmacist)
    assert not Shipment.objects.exists()
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.DISPENSED
    # The refused evaluation is evidence: stored at SHIP under the line's subject, with the promise.
    (evaluation,) = ComplianceEvaluation.objects.filter(stage=Stage.SHIP)
    assert evaluation.subject == str(
        subjects.for_order_line(prescription_id=line.prescription_id, order_number=rx_order.number, line_id=line.pk)
    )
    assert not evaluation.passed and evaluation.actor == pharmacist
    assert [f.rule_id for f in evaluation.blocks] == ["ipledge.mail-order-delivery"]
    assert evaluation.facts["promised_delivery_on"] > evaluation.facts["authorisation"]["do_not_dispense_after"]


def test_an_ipledge_parcel_promised_by_the_rma_date_ships_and_the_evaluation_is_kept(rx_order, pharmacist, settings):
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}
    dispense(rx_order, pharmacist)
    _dispensed_rma(rx_order, pharmacist, last_day=timezone.localdate() + datetime.timedelta(days=30))
    order = ship(rx_order, pharmacist)
    assert order.status == OrderStatus.SHIPPED
    (evaluation,) = ComplianceEvaluation.objects.filter(stage=Stage.SHIP)
    assert evaluation.passed and evaluation.prescription_id == rx_line(rx_order).prescription_id
    assert evaluation.facts["promised_delivery_on"] == Shipment.objects.get().promised_delivery_on.isoformat()


def test_only_the_prescription_lines_in_the_parcel_are_evaluated_at_ship(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    balm = rx_order.lines.exclude(pk=rx_line(rx_order).pk).get()
    ship(rx_order, pharmacist, lines={balm.pk: 1})
    assert not ComplianceEvaluation.objects.filter(stage=Stage.SHIP).exists()
    ship(rx_order, pharmacist)
    assert ComplianceEvaluation.objects.filter(stage=Stage.SHIP).count() == 1


def test_a_prescription_line_without_a_prescription_does_not_ship(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    line = rx_line(rx_order)
    type(line).objects.filter(pk=line.pk).update(prescription=None)
    with pytest.raises(OrderStatusRefused, match="no prescription attached"):
        ship(rx_order, pharmacist)
    assert not Shipment.objects.exists()


def test_ship_order_needs_a_parcel_and_the_ship_permission_always(otc_order, customer, pharmacist):
    with pytest.raises(OrderStatusRefused, match="ship screen"):
        fulfilment.ship_order(order=otc_order, actor=pharmacist, parcel=None)
    with pytest.raises(TypeError):
        fulfilment.ship_order(order=otc_order, actor=pharmacist)  # no default: a parcel is required
    with pytest.raises(OrderStatusRefused, match="allowed to ship"):
        ship(otc_order, customer)
    with pytest.raises(OrderStatusRefused, match="allowed to ship"):
        ship(otc_order, None)
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT
    assert otc_order.payment_authorisations.get().state == State.AUTHORISED


def test_the_tracking_email_is_sent_once_when_the_task_runs_twice(otc_order, pharmacist):
    from prescriptions.tasks import send_parcel_shipped_email

    ship(otc_order, pharmacist)
    shipment = Shipment.objects.get()
    mail.outbox.clear()
    assert send_parcel_shipped_email(shipment.pk) is True
    assert send_parcel_shipped_email(shipment.pk) is False  # a redelivery
    assert len(mail.outbox) == 1
