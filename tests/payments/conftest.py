"""Orders for payment tests, built with oscar's factories (no checkout, no gate).

``authorised_order`` records the card authorisation exactly as checkout does:
a PaymentIntent authorised at localstripe, oscar's ``Source`` and
"Authorised" ``PaymentEvent``, and the authorisation linked to the order.
"""
from __future__ import annotations

from decimal import Decimal as D

import pytest
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model
from oscar.test.factories import create_order, create_product

from payments import cards, services
from prescriptions.orders import OrderStatus

Basket = get_model("basket", "Basket")
ProductClass = get_model("catalogue", "ProductClass")
ProductAttribute = get_model("catalogue", "ProductAttribute")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
EventHandler = get_class("order.processing", "EventHandler")


def prescription_product(price: str):
    product_class, _ = ProductClass.objects.get_or_create(
        name="Prescription medicine", defaults={"requires_shipping": True, "track_stock": True},
    )
    ProductAttribute.objects.get_or_create(
        product_class=product_class, code="requires_prescription",
        defaults={"name": "requires_prescription", "type": "boolean"},
    )
    return create_product(product_class="Prescription medicine", title="Isotretinoin 20 mg", price=D(price),
                          num_in_stock=10, attributes={"requires_prescription": True})


def otc_product(price: str):
    return create_product(product_class="Over-the-counter", title="Lip balm", price=D(price), num_in_stock=10)


def make_order(lines, *, status: str, user=None):
    basket = Basket.objects.create()
    basket.strategy = Default()
    for product, quantity in lines:
        basket.add_product(product, quantity)
    return create_order(basket=basket, user=user, status=status)


def authorise(order, *, card: str = "visa", actor=None):
    authorisation = services.authorise_payment(
        order_number=order.number, amount=order.total_incl_tax, currency=order.currency,
        payment_method=cards.choice_for(card), actor=actor,
    )
    source_type, _ = SourceType.objects.get_or_create(name=services.SOURCE_TYPE)
    Source.objects.create(order=order, source_type=source_type, currency=order.currency,
                          amount_allocated=order.total_incl_tax, reference=authorisation.intent_id)
    event_type, _ = PaymentEventType.objects.get_or_create(name=services.AUTHORISED)
    EventHandler().create_payment_event(order, event_type, order.total_incl_tax, reference=authorisation.intent_id)
    return services.attach_to_order(order=order)


@pytest.fixture
def pharmacist(django_user_model):
    return django_user_model.objects.create_user(username="priya", email="pharmacist@example.com",
                                                 password="pharmacist-test-2026")


@pytest.fixture
def customer(django_user_model):
    return django_user_model.objects.create_user(username="carol", email="carol@example.com",
                                                 password="carol-test-2026")


@pytest.fixture
def rx_order(db, localstripe, customer):
    """Isotretinoin 50.00 + 2 x lip balm 12.50, free shipping: 75.00 authorised, awaiting the pharmacist."""
    order = make_order([(prescription_product("50.00"), 1), (otc_product("12.50"), 2)],
                       status=OrderStatus.AWAITING_DISPENSE, user=customer)
    authorise(order)
    return order


@pytest.fixture
def otc_order(db, localstripe, customer):
    """2 x lip balm 12.50: 25.00 authorised, awaiting shipment."""
    order = make_order([(otc_product("12.50"), 2)], status=OrderStatus.AWAITING_SHIPMENT, user=customer)
    authorise(order)
    return order


@pytest.fixture
def stripe_v1(localstripe):
    """Read localstripe's side directly (what Stripe holds)."""
    from payments.client import stripe_client

    return stripe_client().v1
