"""A small shop in which customer A (Alice) owns one of everything a URL can
point at, with markers that must never appear on a page served to anyone but
Alice and the pharmacy staff.

Built through the services and oscar's factories (never by assigning a status).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.test import Client
from oscar.apps.partner.strategy import Default
from oscar.core.loading import get_model

from prescriptions import services
from prescriptions.orders import OrderStatus
from prescriptions.uploads import inspect_bytes
from tests.factories import product, staff_client
from tests.prescriptions import files

Basket = get_model("basket", "Basket")
Country = get_model("address", "Country")
UserAddress = get_model("address", "UserAddress")
ShippingAddress = get_model("order", "ShippingAddress")
WishList = get_model("wishlists", "WishList")
ProductAlert = get_model("customer", "ProductAlert")
Notification = get_model("communication", "Notification")
Email = get_model("communication", "Email")

ANONYMOUS, CUSTOMER_A, CUSTOMER_B = "anonymous", "customer_a", "customer_b"
TECHNICIAN, PHARMACIST, ADMIN = "technician", "pharmacist", "admin"
ROLES = (ANONYMOUS, CUSTOMER_A, CUSTOMER_B, TECHNICIAN, PHARMACIST, ADMIN)
ROLE_EMAILS = {
    CUSTOMER_A: "alice@example.com",
    CUSTOMER_B: "bob@example.com",
    TECHNICIAN: "technician@example.com",
    PHARMACIST: "pharmacist@example.com",
    ADMIN: "admin@example.com",
}
STAFF_ROLES = (TECHNICIAN, PHARMACIST, ADMIN)

# Alice's data, spelled so that it cannot occur on a page by chance.
PRESCRIBER_MARKER = "Dr Quentin Zebulon-Marsh"
ADDRESS_MARKER = "7 Quillfeather Lane"
ORDER_NUMBER = "A-773105"


@dataclass
class World:
    alice_pk: int
    bob_pk: int
    prescription_public_id: str
    prescription_reference: str
    file_public_id: str
    order_number: str
    order_line_id: int
    basket_line_id: int
    product_pk: int
    product_slug: str
    otc_product_pk: int
    address_pk: int
    wishlist_key: str
    wishlist_line_pk: int
    alert_pk: int
    alert_key: str
    notification_pk: int
    email_pk: int
    markers: tuple[str, ...] = field(default=())


def staff_session(client: Client, user) -> Client:
    """Log ``user`` in and record a passed second factor in the session, as
    ``django_otp.login`` does (``tests.factories.staff_client``)."""
    return staff_client(user, client=client)


def client_for(role: str, **client_kwargs) -> Client:
    client = Client(**client_kwargs)
    if role == ANONYMOUS:
        return client
    user = get_user_model().objects.get(email=ROLE_EMAILS[role])
    if role in STAFF_ROLES:
        return staff_session(client, user)
    client.force_login(user)
    return client


def build_order_for(user, *, number: str | None = None, line1: str = "22 Jay Street"):
    """An order of two lip balms for ``user`` (oscar's factories: no checkout, no payment)."""
    from oscar.test.factories import create_order

    basket = Basket.objects.create(owner=user)
    basket.strategy = Default()
    basket.add_product(product("OTC-LIPBALM"), 2)
    shipping = ShippingAddress.objects.create(
        first_name=user.first_name,
        last_name=user.last_name,
        line1=line1,
        line4="Brooklyn",
        state="NY",
        postcode="11201",
        country=Country.objects.get(iso_3166_1_a2="US"),
        phone_number="+12125550100",
    )
    return create_order(
        number=number, basket=basket, user=user, shipping_address=shipping, status=OrderStatus.AWAITING_SHIPMENT
    )


def build_world() -> World:
    from tests.factories.demo import load_demo

    load_demo()
    User = get_user_model()
    alice = User.objects.get(email=ROLE_EMAILS[CUSTOMER_A])
    bob = User.objects.get(email=ROLE_EMAILS[CUSTOMER_B])
    rx, otc = product("RX-ISO-20"), product("OTC-LIPBALM")
    us = Country.objects.get(iso_3166_1_a2="US")  # demo data

    prescription = services.submit_prescription(
        customer=alice,
        product=rx,
        prescriber=services.PrescriberDetails(name=PRESCRIBER_MARKER, phone="+1 212 555 0199"),
        quantity=30,
        refills_authorized=0,
        files=[inspect_bytes(files.pdf(1, text=b"security world"), original_name="alice-rx.pdf")],
        patient_details=services.PatientDetails(
            relationship="self",
            first_name="Alice",
            last_name="Moreno",
            date_of_birth=datetime.date(1994, 5, 17),
            address_line1=ADDRESS_MARKER,
            city="Brooklyn",
            state="NY",
            postcode="11201",
        ),
    )
    prescription_file = prescription.files.get()

    address = UserAddress.objects.create(
        user=alice,
        first_name="Alice",
        last_name="Moreno",
        line1=ADDRESS_MARKER,
        line4="Brooklyn",
        state="NY",
        postcode="11201",
        country=us,
        phone_number="+12125550100",
    )

    order = build_order_for(alice, number=ORDER_NUMBER, line1=ADDRESS_MARKER)

    basket = Basket.objects.create(owner=alice)  # her open basket, as BasketMiddleware finds it
    basket.strategy = Default()
    basket.add_product(rx, 1)
    basket.add_product(otc, 1)
    basket_line = basket.lines.get(product=rx)

    wishlist = WishList.objects.create(owner=alice, name="Alice's list", visibility=WishList.PRIVATE)
    wishlist_line = wishlist.lines.create(product=otc, title=otc.get_title())
    alert = ProductAlert.objects.create(user=alice, product=otc, status=ProductAlert.ACTIVE)
    notification = Notification.objects.create(
        recipient=alice, subject=f"About {prescription.reference}", body=f"Your order {ORDER_NUMBER}"
    )
    email = Email.objects.create(
        user=alice, email=alice.email, subject=f"Order {ORDER_NUMBER}", body_text=f"Delivered to {ADDRESS_MARKER}"
    )
    return World(
        alice_pk=alice.pk,
        bob_pk=bob.pk,
        prescription_public_id=str(prescription.public_id),
        prescription_reference=prescription.reference,
        file_public_id=str(prescription_file.public_id),
        order_number=order.number,
        order_line_id=order.lines.first().pk,
        basket_line_id=basket_line.pk,
        product_pk=rx.pk,
        product_slug=rx.slug,
        otc_product_pk=otc.pk,
        address_pk=address.pk,
        wishlist_key=wishlist.key,
        wishlist_line_pk=wishlist_line.pk,
        alert_pk=alert.pk,
        alert_key=alert.key or "",
        notification_pk=notification.pk,
        email_pk=email.pk,
        markers=(PRESCRIBER_MARKER, ADDRESS_MARKER, ORDER_NUMBER, prescription.reference, alice.email),
    )
