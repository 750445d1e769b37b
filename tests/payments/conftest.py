"""Orders for payment tests, built with the factories (oscar's OrderCreator: no checkout,
no gate), on a shop without the demo loaded.

``rx_order`` and ``otc_order`` record the card authorisation exactly as checkout
does (``OrderFactory(authorised=True)``): a PaymentIntent authorised at localstripe,
oscar's ``Source`` and "Authorised" ``PaymentEvent``, and the authorisation linked
to the order. The ``customer`` is tests/conftest.py's.
"""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from prescriptions.orders import OrderStatus
from tests.factories import (
    IsotretinoinProductFactory,
    OrderFactory,
    OtcProductFactory,
    PharmacistFactory,
)


def prescription_product(price: str):
    return IsotretinoinProductFactory(title="Isotretinoin 20 mg", price=D(price), num_in_stock=10)


def otc_product(price: str):
    return OtcProductFactory(title="Lip balm", price=D(price), num_in_stock=10)


def make_order(lines, *, status: str, user=None):
    return OrderFactory(lines=lines, status=status, user=user, shipping_address=None)


@pytest.fixture
def pharmacist(db):
    """Not the root fixture's demo pharmacist: these tests run without the demo shop."""
    return PharmacistFactory(username="priya", email="pharmacist@example.com", first_name="Priya", last_name="Raman")


@pytest.fixture
def rx_order(db, localstripe, customer):
    """Isotretinoin 50.00 + 2 x lip balm 12.50, free shipping: 75.00 authorised, awaiting the pharmacist."""
    return OrderFactory(
        lines=[(prescription_product("50.00"), 1), (otc_product("12.50"), 2)],
        status=OrderStatus.AWAITING_DISPENSE,
        user=customer,
        shipping_address=None,
        authorised=True,
    )


@pytest.fixture
def otc_order(db, localstripe, customer):
    """2 x lip balm 12.50: 25.00 authorised, awaiting shipment."""
    return OrderFactory(
        lines=[(otc_product("12.50"), 2)],
        status=OrderStatus.AWAITING_SHIPMENT,
        user=customer,
        shipping_address=None,
        authorised=True,
    )


@pytest.fixture
def stripe_v1(localstripe):
    """Read localstripe's side directly (what Stripe holds)."""
    from payments.client import stripe_client

    return stripe_client().v1
