"""Parcels: ship_order records what left, in which parcel, with which tracking number; the order
is "Shipped" once every line not cancelled has gone; OTC cards are captured at the first parcel."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.utils import timezone
from oscar.core.loading import get_model

from payments.models import PaymentAuthorisation
from prescriptions import fulfilment
from prescriptions.dispensing.models import ProgrammeAuthorisation
from prescriptions.models import Shipment, ShipmentLine
from prescriptions.orders import LineStatus, OrderStatus, OrderStatusRefused
from tests.factories.prescriptions import PrescriptionFactory

from .test_door import dispense, rx_line

Order = get_model("order", "Order")
ShippingEvent = get_model("order", "ShippingEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db

USPS = "9400 1118 9922 3856 9284 99"  # 22 digits, as printed on the label


def parcel(**kwargs) -> fulfilment.Parcel:
    return fulfilment.Parcel(**{"carrier": "usps", "tracking_number": USPS, **kwargs})


def ship(order, actor, **kwargs):
    return fulfilment.ship_order(order=order, actor=actor, parcel=parcel(**kwargs))


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


def test_an_ipledge_parcel_promised_after_the_rma_date_is_refused_at_ship(rx_order, pharmacist, settings):
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}
    dispense(rx_order, pharmacist)
    line = rx_line(rx_order)
    ProgrammeAuthorisation.objects.create(
        order_line=line,
        prescription=PrescriptionFactory(customer=rx_order.user),
        programme="ipledge",
        number="RMA-1",
        do_not_dispense_after=timezone.localdate() + datetime.timedelta(days=1),
        obtained_by=pharmacist,
        state=ProgrammeAuthorisation.State.DISPENSED,
    )
    with pytest.raises(OrderStatusRefused, match="faster shipping method"):
        ship(rx_order, pharmacist)
    assert not Shipment.objects.exists()


def test_the_tracking_email_is_sent_once_when_the_task_runs_twice(otc_order, pharmacist):
    from prescriptions.tasks import send_parcel_shipped_email

    ship(otc_order, pharmacist)
    shipment = Shipment.objects.get()
    mail.outbox.clear()
    assert send_parcel_shipped_email(shipment.pk) is True
    assert send_parcel_shipped_email(shipment.pk) is False  # a redelivery
    assert len(mail.outbox) == 1
