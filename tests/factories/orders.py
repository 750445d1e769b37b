"""Orders placed with oscar's ``OrderCreator`` (``oscar.test.factories.create_order``):
no checkout, so no gate and no payment unless asked for.

    OrderFactory()                                       one lip balm, awaiting shipment, for a new customer
    OrderFactory(lines=[(rx, 1), (otc, 2)], status=AWAITING_DISPENSE, user=customer)
    OrderFactory(authorised=True)                        the card authorised at (local)stripe, recorded as checkout does
    ship(order, staff_member, lines={line.pk: 1})        a parcel (USPS, a valid tracking number) through ship_order

``authorised=True`` needs the ``localstripe`` fixture. An order that went through the
checkout (the gate, the payment page) is placed with the client helpers in
``tests.factories.storefront`` instead.
"""

from __future__ import annotations

import factory
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_class, get_model
from oscar.test.factories import CountryFactory, ShippingAddressFactory, create_order

from payments import cards
from payments import services as payments
from prescriptions import fulfilment
from prescriptions.orders import OrderStatus

from .catalogue import OtcProductFactory
from .storefront import US_ADDRESS
from .users import CustomerFactory

Basket = get_model("basket", "Basket")
Order = get_model("order", "Order")
PaymentEventType = get_model("order", "PaymentEventType")
Source = get_model("payment", "Source")
SourceType = get_model("payment", "SourceType")
EventHandler = get_class("order.processing", "EventHandler")

AWAITING_DISPENSE, AWAITING_SHIPMENT = OrderStatus.AWAITING_DISPENSE, OrderStatus.AWAITING_SHIPMENT


class USCountryFactory(CountryFactory):
    iso_3166_1_a2 = "US"
    iso_3166_1_a3 = "USA"
    iso_3166_1_numeric = "840"
    printable_name = "United States"
    name = "United States of America"
    is_shipping_country = True


class USShippingAddressFactory(ShippingAddressFactory):
    """Brooklyn, New York, where the pharmacy holds its resident licence."""

    country = factory.SubFactory(USCountryFactory)
    first_name = US_ADDRESS["first_name"]
    last_name = US_ADDRESS["last_name"]
    line1 = US_ADDRESS["line1"]
    line2 = ""
    line4 = US_ADDRESS["line4"]
    state = US_ADDRESS["state"]
    postcode = US_ADDRESS["postcode"]
    phone_number = US_ADDRESS["phone_number"]


USPS_TRACKING = "9400 1118 9922 3856 9284 99"  # 22 digits, as printed on the label


def parcel(**kwargs) -> fulfilment.Parcel:
    """A parcel as the ship screen records it: USPS and a tracking number in USPS's format;
    every line not yet shipped unless ``lines`` says otherwise."""
    return fulfilment.Parcel(**{"carrier": "usps", "tracking_number": USPS_TRACKING, **kwargs})


def ship(order, actor, **kwargs):
    """Ship ``order`` the one way there is: ``ship_order`` with a parcel (``parcel(**kwargs)``)."""
    return fulfilment.ship_order(order=order, actor=actor, parcel=parcel(**kwargs))


def authorise(order, *, card: str = "visa", actor=None):
    """Authorise the order's total on a test card and record it exactly as checkout does:
    the PaymentIntent at (local)stripe, oscar's ``Source`` and "Authorised" ``PaymentEvent``,
    and the authorisation linked to the order."""
    authorisation = payments.authorise_payment(
        order_number=order.number,
        amount=order.total_incl_tax,
        currency=order.currency,
        payment_method=cards.choice_for(card),
        actor=actor,
    )
    source_type, _ = SourceType.objects.get_or_create(name=payments.SOURCE_TYPE)
    Source.objects.create(
        order=order,
        source_type=source_type,
        currency=order.currency,
        amount_allocated=order.total_incl_tax,
        reference=authorisation.intent_id,
    )
    event_type, _ = PaymentEventType.objects.get_or_create(name=payments.AUTHORISED)
    EventHandler().create_payment_event(order, event_type, order.total_incl_tax, reference=authorisation.intent_id)
    return payments.attach_to_order(order=order)


class OrderFactory(factory.Factory):
    class Meta:
        model = Order

    user = factory.SubFactory(CustomerFactory)
    lines = factory.LazyFunction(lambda: [(OtcProductFactory(), 1)])  # (product, quantity) pairs
    status = AWAITING_SHIPMENT
    number = None
    shipping_address = factory.SubFactory(USShippingAddressFactory)
    authorised = False
    card = "visa"

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("An order exists only once placed: use OrderFactory() (create), not build().")

    @classmethod
    def _create(cls, model_class, *, user, lines, status, number, shipping_address, authorised, card):
        basket = Basket.objects.create(owner=user)
        basket.strategy = Default()
        for product, quantity in lines:
            basket.add_product(product, quantity)
        order = create_order(number=number, basket=basket, user=user, shipping_address=shipping_address, status=status)
        if authorised:
            authorise(order, card=card)
        return order
