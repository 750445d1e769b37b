"""The ship screen in the pharmacy dashboard: who may open it, what it lists, and that a parcel
recorded there goes through ship_order and the order-status door."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.utils import timezone
from oscar.core.loading import get_model

from prescriptions import orders
from prescriptions.models import Shipment
from prescriptions.orders import OrderStatus, Route
from tests.factories.users import CustomerFactory, TechnicianFactory, staff_client

from .test_door import dispense, rx_line

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

QUEUE = "/dashboard/pharmacy/ship/"


def page(order) -> str:
    return f"/dashboard/pharmacy/ship/order/{order.number}/"


def form(order, **changes) -> dict:
    data = {
        "carrier": "ups",
        "tracking_number": "1Z999AA10123456784",
        "shipped_on": timezone.localdate().isoformat(),
        "shipping_method": "",
    }
    data.update({f"line-{line.pk}": line.quantity for line in order.lines.all()})
    return {**data, **changes}


def test_the_queue_lists_dispensed_and_authorised_otc_orders_not_those_waiting_for_the_pharmacist(
    rx_order, otc_order, pharmacist
):
    client = staff_client(pharmacist)
    html = client.get(QUEUE).content.decode()
    assert f"<td>{otc_order.number}</td>" in html and f"<td>{rx_order.number}</td>" not in html
    dispense(rx_order, pharmacist)
    html = client.get(QUEUE).content.decode()
    assert f"<td>{rx_order.number}</td>" in html and "Waiting" in html


def test_a_technician_ships_a_dispensed_order_through_the_door(rx_order, pharmacist, monkeypatch):
    dispense(rx_order, pharmacist)
    technician = TechnicianFactory()
    calls = []
    door = orders.change_order_status

    def spy(**kwargs):
        calls.append(kwargs)
        return door(**kwargs)

    monkeypatch.setattr(orders, "change_order_status", spy)
    client = staff_client(technician)
    assert client.get(page(rx_order)).status_code == 200
    response = client.post(page(rx_order), form(rx_order))
    assert response.status_code == 302 and response["Location"] == QUEUE
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.SHIPPED
    assert [(c["to"], c["via"]) for c in calls] == [(OrderStatus.SHIPPED, Route.SHIPPING)]
    assert Shipment.objects.get(order=rx_order).shipped_by == technician


def test_a_partial_parcel_from_the_screen(rx_order, pharmacist):
    dispense(rx_order, pharmacist)
    balm = rx_order.lines.get(product__title="Lip balm")
    response = staff_client(pharmacist).post(page(rx_order), form(rx_order, **{f"line-{balm.pk}": 0}))
    assert response.status_code == 302
    assert Order.objects.get(pk=rx_order.pk).status == OrderStatus.DISPENSED
    assert list(Shipment.objects.get().lines.values_list("order_line", flat=True)) == [rx_line(rx_order).pk]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"tracking_number": "1Z123"}, "is not a UPS tracking number"),
        ({"shipped_on": (timezone.localdate() + timezone.timedelta(days=2)).isoformat()}, "in the future"),
    ],
)
def test_refusals_are_shown_and_nothing_ships(otc_order, pharmacist, changes, message):
    response = staff_client(pharmacist).post(page(otc_order), form(otc_order, **changes))
    assert response.status_code == 200 and message in response.content.decode()
    assert not Shipment.objects.exists()
    assert Order.objects.get(pk=otc_order.pk).status == OrderStatus.AWAITING_SHIPMENT


def test_an_order_not_dispensed_is_refused_on_the_screen(rx_order, pharmacist):
    response = staff_client(pharmacist).post(page(rx_order), form(rx_order))
    assert response.status_code == 200 and "not dispensed yet" in response.content.decode()
    assert not Shipment.objects.exists()


def test_roles_without_the_ship_permission_get_403(otc_order):
    customer = CustomerFactory()
    assert staff_client(customer).get(QUEUE).status_code == 403
    # Staff who may open the workspace but not ship (no prescriptions.ship_order).
    clerk = CustomerFactory()
    clerk.user_permissions.add(Permission.objects.get(content_type__app_label="review", codename="access_workspace"))
    client = staff_client(clerk)
    assert client.get(QUEUE).status_code == 403
    assert client.post(page(otc_order), form(otc_order)).status_code == 403
    assert not Shipment.objects.exists()
