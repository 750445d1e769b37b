"""Oscar's order dashboard goes through the order-status door, for every staff role.

Before the door, the demo admin (and any staff member with oscar's order
permissions) could move an order with a prescription line to Dispensed and
then Shipped from the order page, the list's bulk action or the line statuses:
no rule run, no fill used, no capture. Now the dashboard offers only what the
door allows staff for that order, and refuses anything else it is sent, saying
why; Cancelled voids the card hold first. Shipped is refused for every order,
prescription or not, with a pointer to the ship screen: a dashboard "Shipped"
would leave no parcel, no tracking number, no e-mail and no check of the
parcel's delivery date against an iPLEDGE RMA.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.contrib.messages import get_messages
from oscar.core.loading import get_model

from payments import services as payments
from payments.models import PaymentAuthorisation
from prescriptions.models import Shipment
from prescriptions.orders import (
    LineStatus,
    OrderStatus,
    Route,
    change_line_status,
    change_order_status,
)
from tests.factories import product
from tests.factories.orders import authorise
from tests.payments.conftest import make_order, stripe_v1  # noqa: F401  (fixture)
from tests.review.conftest import staff_client

Order = get_model("order", "Order")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


@pytest.fixture
def order_clerk(demo_shop, django_user_model):
    """Shop staff, not a superuser, given oscar's order permissions."""
    user = django_user_model.objects.create_user(
        username="clerk@example.com", email="clerk@example.com", password="clerk-test-2026", is_staff=True
    )
    user.user_permissions.add(
        *Permission.objects.filter(content_type__app_label="order", codename__in=["view_order", "change_order"])
    )
    return django_user_model.objects.get(pk=user.pk)


@pytest.fixture(params=["demo admin", "order clerk"])
def staff(request, shop_admin, order_clerk):
    return {"demo admin": shop_admin, "order clerk": order_clerk}[request.param]


@pytest.fixture
def rx_order(alice, localstripe):
    """Isotretinoin and a lip balm, the card authorised, waiting for the pharmacist."""
    order = make_order(
        [(product("RX-ISO-20"), 1), (product("OTC-LIPBALM"), 1)], status=OrderStatus.AWAITING_DISPENSE, user=alice
    )
    authorise(order)
    return order


@pytest.fixture
def otc_order(alice, localstripe):
    order = make_order([(product("OTC-LIPBALM"), 2)], status=OrderStatus.AWAITING_SHIPMENT, user=alice)
    authorise(order)
    return order


@pytest.fixture
def unpaid_otc_order(alice, localstripe):
    """Its card hold was released (voided): nothing can be captured."""
    order = make_order([(product("OTC-LIPBALM"), 1)], status=OrderStatus.AWAITING_SHIPMENT, user=alice)
    authorise(order)
    payments.void_payment(order=order, reason="Released.", actor=None)
    return order


def post_status(client, order, status: str):
    return client.post(
        f"/dashboard/orders/{order.number}/", {"order_action": "change_order_status", "new_status": status}
    )


def said(response) -> str:
    return " ".join(str(m) for m in get_messages(response.wsgi_request))


def state_of(order) -> tuple[str, str, set[str]]:
    order = Order.objects.get(pk=order.pk)
    return (order.status, order.payment_authorisations.get().state, set(order.lines.values_list("status", flat=True)))


def offered(client, order) -> list[str]:
    response = client.get(f"/dashboard/orders/{order.number}/")
    assert response.status_code == 200
    return [value for value, _label in response.context["order_status_form"].fields["new_status"].choices]


# --- What the order page offers ------------------------------------------------------------------


def test_an_rx_order_awaiting_dispense_is_offered_only_cancel(staff, rx_order):
    assert offered(staff_client(staff), rx_order) == [OrderStatus.CANCELLED]


def test_an_otc_order_awaiting_shipment_is_offered_only_cancel(shop_admin, otc_order, unpaid_otc_order):
    client = staff_client(shop_admin)
    assert offered(client, otc_order) == [OrderStatus.CANCELLED]  # it ships on the ship screen
    assert offered(client, unpaid_otc_order) == [OrderStatus.CANCELLED]


def dispensed(order):
    """What the dispense step leaves: the card captured, the isotretinoin line and the order Dispensed."""
    payments.capture_payment(order=order, actor=None)
    for line in order.lines.filter(product__upc="RX-ISO-20"):
        change_line_status(line=line, to=LineStatus.DISPENSED, actor=None, via=Route.DISPENSING)
    change_order_status(order=order, to=OrderStatus.DISPENSED, actor=None, via=Route.DISPENSING)
    return order


def test_a_dispensed_isotretinoin_order_is_not_offered_shipped_and_cannot_be_shipped_from_here(staff, rx_order):
    """Any staff member with oscar's order.change_order: no parcel, no tracking number, no e-mail,
    no iPLEDGE date check would follow, so the dashboard refuses and points to the ship screen."""
    dispensed(rx_order)
    client = staff_client(staff)
    assert offered(client, rx_order) == []

    response = post_status(client, rx_order, OrderStatus.SHIPPED)
    assert response.status_code == 302
    assert f"/dashboard/pharmacy/ship/order/{rx_order.number}/" in said(response)
    assert state_of(rx_order) == (OrderStatus.DISPENSED, State.CAPTURED, {LineStatus.DISPENSED, LineStatus.PENDING})
    assert not Shipment.objects.exists() and not rx_order.shipping_events.exists()


def test_the_list_offers_only_statuses_staff_can_ever_choose(shop_admin, rx_order):
    response = staff_client(shop_admin).get("/dashboard/orders/")
    assert response.status_code == 200
    assert OrderStatus.DISPENSED not in response.context["order_statuses"]
    assert OrderStatus.SHIPPED not in response.context["order_statuses"]


# --- The single-order form ----------------------------------------------------------------------


def test_the_order_page_cannot_mark_an_rx_order_dispensed_or_shipped(staff, rx_order):
    client = staff_client(staff)
    response = post_status(client, rx_order, OrderStatus.DISPENSED)
    assert response.status_code == 302 and "dispense screen" in said(response)
    response = post_status(client, rx_order, OrderStatus.SHIPPED)
    assert "ship screen" in said(response)
    assert state_of(rx_order) == (OrderStatus.AWAITING_DISPENSE, State.AUTHORISED, {LineStatus.PENDING})


def test_the_order_page_cannot_ship_an_unpaid_otc_order(staff, unpaid_otc_order):
    response = post_status(staff_client(staff), unpaid_otc_order, OrderStatus.SHIPPED)
    assert "ship screen" in said(response)
    assert state_of(unpaid_otc_order) == (OrderStatus.AWAITING_SHIPMENT, State.VOIDED, {LineStatus.PENDING})


def test_cancelling_from_the_order_page_voids_the_card(staff, rx_order, stripe_v1):  # noqa: F811
    response = post_status(staff_client(staff), rx_order, OrderStatus.CANCELLED)
    assert response.status_code == 302 and "to “Cancelled”" in said(response)
    assert state_of(rx_order) == (OrderStatus.CANCELLED, State.VOIDED, {LineStatus.CANCELLED})
    authorisation = rx_order.payment_authorisations.get()
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"
    assert authorisation.log.get(action="void").actor == staff


def test_an_otc_order_cannot_be_shipped_from_the_order_page_either(staff, otc_order, stripe_v1):  # noqa: F811
    response = post_status(staff_client(staff), otc_order, OrderStatus.SHIPPED)
    assert response.status_code == 302
    assert f"/dashboard/pharmacy/ship/order/{otc_order.number}/" in said(response)
    assert state_of(otc_order) == (OrderStatus.AWAITING_SHIPMENT, State.AUTHORISED, {LineStatus.PENDING})
    authorisation = otc_order.payment_authorisations.get()
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"
    assert not Shipment.objects.exists()


# --- The list's bulk action -------------------------------------------------------------------------


def test_the_bulk_action_ships_no_order(staff, rx_order, otc_order, unpaid_otc_order):
    dispensed(rx_order)
    response = staff_client(staff).post(
        "/dashboard/orders/",
        {
            "action": "change_order_statuses",
            "new_status": OrderStatus.SHIPPED,
            "selected_order": [rx_order.pk, otc_order.pk, unpaid_otc_order.pk],
        },
    )
    assert response.status_code == 302
    text = said(response)
    for order in (rx_order, otc_order, unpaid_otc_order):
        assert f"/dashboard/pharmacy/ship/order/{order.number}/" in text
    assert state_of(rx_order)[:2] == (OrderStatus.DISPENSED, State.CAPTURED)
    assert state_of(otc_order)[:2] == (OrderStatus.AWAITING_SHIPMENT, State.AUTHORISED)
    assert state_of(unpaid_otc_order)[0] == OrderStatus.AWAITING_SHIPMENT
    assert not Shipment.objects.exists()


def test_the_bulk_action_cannot_mark_an_rx_order_dispensed(staff, rx_order):
    response = staff_client(staff).post(
        "/dashboard/orders/",
        {
            "action": "change_order_statuses",
            "new_status": OrderStatus.DISPENSED,
            "selected_order": [rx_order.pk],
        },
    )
    assert "dispense screen" in said(response)
    assert state_of(rx_order) == (OrderStatus.AWAITING_DISPENSE, State.AUTHORISED, {LineStatus.PENDING})


def test_the_bulk_action_cancels_with_a_void(shop_admin, rx_order):
    client = staff_client(shop_admin)
    client.post(
        "/dashboard/orders/",
        {"action": "change_order_statuses", "new_status": OrderStatus.CANCELLED, "selected_order": [rx_order.pk]},
    )
    assert state_of(rx_order) == (OrderStatus.CANCELLED, State.VOIDED, {LineStatus.CANCELLED})


# --- Line statuses --------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [LineStatus.DISPENSED, LineStatus.SHIPPED, LineStatus.CANCELLED])
def test_line_statuses_cannot_be_changed_from_the_order_page(staff, rx_order, status):
    line = rx_order.lines.get(product__upc="RX-ISO-20")
    response = staff_client(staff).post(
        f"/dashboard/orders/{rx_order.number}/",
        {
            "line_action": "change_line_statuses",
            "new_status": status,
            "selected_line": [line.pk],
            f"selected_line_qty_{line.pk}": line.quantity,
        },
    )
    assert response.status_code == 302
    assert "dispense screen" in said(response) or "only with its order" in said(response)
    assert state_of(rx_order) == (OrderStatus.AWAITING_DISPENSE, State.AUTHORISED, {LineStatus.PENDING})


def test_the_order_page_offers_no_line_status(shop_admin, rx_order):
    response = staff_client(shop_admin).get(f"/dashboard/orders/{rx_order.number}/")
    assert list(response.context["line_statuses"]) == []


# --- The Django admin ---------------------------------------------------------------------------------


def test_the_django_admin_shows_statuses_read_only(shop_admin, rx_order):
    response = staff_client(shop_admin).get(f"/admin/order/order/{rx_order.pk}/change/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="status"' not in html and 'name="lines-0-status"' not in html
    assert OrderStatus.AWAITING_DISPENSE in html  # shown, not editable


def test_the_staff_order_page_links_to_ship_and_refund(otc_order):
    """The pharmacy's own actions are reachable from oscar's order page (for staff who hold both
    permissions, here the demo administrator), not only by URL; the ship page links to the refund."""
    from django.contrib.auth import get_user_model

    admin = get_user_model().objects.get(email="admin@example.com")
    client = staff_client(admin)
    page = client.get(f"/dashboard/orders/{otc_order.number}/").content.decode()
    assert f"/dashboard/pharmacy/ship/order/{otc_order.number}/" in page
    assert f"/dashboard/pharmacy/dispense/order/{otc_order.number}/refund/" in page
    pharmacist = get_user_model().objects.get(email="pharmacist@example.com")
    ship_page = staff_client(pharmacist).get(f"/dashboard/pharmacy/ship/order/{otc_order.number}/").content.decode()
    assert f"/dashboard/pharmacy/dispense/order/{otc_order.number}/refund/" in ship_page
