"""Orders with a card authorisation at localstripe (tests/payments/conftest.py), for the
order-status door and the actions that move money and then status."""

from tests.factories.orders import authorise  # noqa: F401  (builder)
from tests.payments.conftest import (  # noqa: F401  (fixtures and builders)
    make_order,
    otc_order,
    otc_product,
    pharmacist,
    prescription_product,
    rx_order,
    stripe_v1,
)
