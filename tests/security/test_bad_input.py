"""Every customer form, and the Stripe webhook, fed hostile input: never a 500.

Forms get hypothesis text (any unicode, NUL characters, right-to-left marks,
100,000-character strings, markup); the page must answer 200 (the form with
its errors) or a redirect, and never echo markup unescaped. The webhook gets
what tests/payments/test_webhooks.py does not already send: arbitrary bytes and
headers, signed events with nonsense in them, and events signed for the future.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest
from django.contrib.auth.models import Permission
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from payments.models import PaymentAuthorisation, StripeEvent
from prescriptions import services
from prescriptions.models import PrescriptionStatus as S
from tests.conftest import LOCALSTRIPE_WEBHOOK_SECRET
from tests.factories import US_ADDRESS, add_to_basket, product
from tests.prescriptions.conftest import form_data, submit, unique_pdf, upload

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"
NASTY = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "\x00" * 50,
    "A" * 100_000,
    "😀" * 5_000,
    SCRIPT,
    "' OR 1=1 --",
    "%s%s%n%x",
    "\u202egnp.exe",
    "../../../etc/passwd",
    "١٢٣٤",
    "\r\n\r\nSet-Cookie: x=1",
    "{{ 7*7 }}",
    "${jndi:ldap://x}",
    "\ufeff",
    "\u0000\u0001\u0002\u001f",
    "-1",
    "99999999999999999999999",
    "NaN",
    "1e308",
    "0x10",
]
text = st.one_of(
    st.sampled_from(NASTY),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=200),
    st.text(alphabet=st.characters(exclude_categories=("Cs",)), min_size=1, max_size=5).map(lambda s: s * 3000),
)
FORMS = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)


def assert_handled(response, *values):
    assert response.status_code in (200, 302, 413), response.status_code
    if response.status_code == 200 and any(SCRIPT in v for v in values):
        assert SCRIPT.encode() not in response.content, "markup echoed unescaped"


def fields(names):
    return st.fixed_dictionaries({name: text for name in names})


ADDRESS_FIELDS = [
    "first_name",
    "last_name",
    "line1",
    "line2",
    "line3",
    "line4",
    "state",
    "postcode",
    "phone_number",
    "notes",
]


@FORMS
@given(values=fields(ADDRESS_FIELDS), keep=st.sets(st.sampled_from(ADDRESS_FIELDS)))
def test_address_book_form(alice_client, values, keep):
    data = {**US_ADDRESS, "country": "US", **{k: v for k, v in values.items() if k in keep}}
    assert_handled(alice_client.post("/accounts/addresses/add/", data), *data.values())


@FORMS
@given(values=fields(ADDRESS_FIELDS), keep=st.sets(st.sampled_from(ADDRESS_FIELDS)))
def test_checkout_shipping_address_form(alice_client, values, keep):
    if not alice_client.session.get("fuzz_basket"):
        add_to_basket(alice_client, "OTC-LIPBALM")
        session = alice_client.session
        session["fuzz_basket"] = True
        session.save()
    data = {**US_ADDRESS, **{k: v for k, v in values.items() if k in keep}}
    assert_handled(alice_client.post("/checkout/shipping-address/", data), *data.values())


UPLOAD_TEXT_FIELDS = [
    "relationship",
    "first_name",
    "last_name",
    "date_of_birth",
    "address_line1",
    "address_line2",
    "city",
    "state",
    "postcode",
    "prescriber_name",
    "prescriber_phone",
    "prescriber_email",
    "quantity",
    "refills_authorized",
    "patient",
    "add_to_basket",
]


@FORMS
@given(values=fields(UPLOAD_TEXT_FIELDS), keep=st.sets(st.sampled_from(UPLOAD_TEXT_FIELDS), min_size=1))
def test_prescription_upload_form(alice_client, settings, values, keep):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "100000/h"
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    data = {
        **form_data(),
        **{k: v for k, v in values.items() if k in keep},
        "files": [upload("prescription.pdf", unique_pdf())],
    }
    assert_handled(alice_client.post(url, data), *[v for v in data.values() if isinstance(v, str)])


@pytest.fixture
def question(alice, demo_shop, django_user_model):
    """Alice's prescription, on which the pharmacist asked a question."""
    pharmacist = django_user_model.objects.get(email="pharmacist@example.com")
    pharmacist.user_permissions.add(Permission.objects.get(codename="review_prescription"))
    pharmacist = django_user_model.objects.get(pk=pharmacist.pk)
    prescription = submit(alice)
    services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
    services.transition_prescription(
        prescription=prescription,
        to_status=S.INFO_REQUESTED,
        actor=pharmacist,
        message_to_customer="Is the date on page 2 right?",
    )
    return prescription, pharmacist


@FORMS
@given(answer=text, with_file=st.booleans())
def test_answer_the_pharmacist_form(alice_client, question, settings, answer, with_file):
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "100000/h"
    prescription, pharmacist = question
    prescription.refresh_from_db()
    if prescription.status != S.INFO_REQUESTED:  # an earlier example answered: ask again
        services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
        services.transition_prescription(
            prescription=prescription, to_status=S.INFO_REQUESTED, actor=pharmacist, message_to_customer="And page 3?"
        )
    data = {"answer": answer}
    if with_file:
        data["files"] = [upload("more.pdf", unique_pdf())]
    assert_handled(alice_client.post(f"/prescriptions/{prescription.public_id}/answer/", data), answer)


BASKET_FORMSET = [
    "form-TOTAL_FORMS",
    "form-INITIAL_FORMS",
    "form-MIN_NUM_FORMS",
    "form-MAX_NUM_FORMS",
    "form-0-id",
    "form-0-quantity",
    "form-0-save_for_later",
    "form-0-DELETE",
]


@FORMS
@given(values=fields(BASKET_FORMSET), keep=st.sets(st.sampled_from(BASKET_FORMSET)), quantity=text)
def test_basket_forms(alice_client, values, keep, quantity):
    otc = product("OTC-LIPBALM")
    assert_handled(alice_client.post(f"/basket/add/{otc.pk}/", {"quantity": quantity}), quantity)
    basket = alice_client.get("/basket/").context["basket"]
    line = basket.all_lines()[0] if basket.id and basket.all_lines() else None
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": str(line.id if line else 0),
        "form-0-quantity": "1",
        **{k: v for k, v in values.items() if k in keep},
    }
    assert_handled(alice_client.post("/basket/", data), *data.values())
    assert_handled(alice_client.post("/basket/vouchers/add/", {"code": quantity}), quantity)


# --- The Stripe webhook ------------------------------------------------------------------------

WEBHOOK = "/stripe/webhook/"


def _sign(payload: bytes, timestamp: int, secret: str = LOCALSTRIPE_WEBHOOK_SECRET) -> str:
    digest = hmac.new(secret.encode(), str(timestamp).encode() + b"." + payload, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def _nothing_recorded():
    return not StripeEvent.objects.exists() and not PaymentAuthorisation.objects.exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    body=st.binary(max_size=2048),
    header=st.one_of(
        st.text(max_size=200),
        st.just("t=1,v1=00"),
        st.just("v1=abc"),
        st.just("t=,v1="),
        st.builds(lambda t: f"t={t},v1={'0' * 64}", st.integers()),
    ),
)
def test_webhook_unsigned_garbage_is_refused_and_nothing_changes(client, db, body, header):
    header = header.encode("latin-1", "replace").decode("latin-1")  # what an HTTP header can carry
    response = client.post(WEBHOOK, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
    assert response.status_code == 400
    assert _nothing_recorded()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    event=st.fixed_dictionaries(
        {},
        optional={
            "id": json_values | st.text(max_size=30),
            "type": st.sampled_from(
                [
                    "payment_intent.succeeded",
                    "payment_intent.canceled",
                    "payment_intent.payment_failed",
                    "charge.refunded",
                    "customer.created",
                ]
            )
            | json_values,
            "created": st.integers(min_value=-(2**70), max_value=2**70) | json_values,
            "data": st.fixed_dictionaries(
                {},
                optional={
                    "object": json_values
                    | st.fixed_dictionaries(
                        {},
                        optional={
                            "id": json_values,
                            "payment_intent": json_values,
                            "amount_refunded": json_values,
                            "last_payment_error": json_values,
                        },
                    )
                },
            )
            | json_values,
        },
    )
)
def test_webhook_signed_nonsense_is_a_400_or_a_stored_no_op_never_a_500(client, db, event):
    """Only Stripe can sign, but a signed event with nonsense in it (a bug at
    Stripe, an API version change) must still not crash the endpoint."""
    payload = json.dumps(event).encode()
    stored_before = StripeEvent.objects.count()
    response = client.post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=_sign(payload, int(time.time()))
    )
    assert response.status_code in (200, 400), response.status_code
    assert not PaymentAuthorisation.objects.exists()
    if response.status_code == 400:
        assert StripeEvent.objects.count() == stored_before


@pytest.mark.parametrize(
    "event, status",
    [
        ({"id": "evt_" + "x" * 300, "type": "payment_intent.canceled", "created": 1, "data": {"object": {}}}, 400),
        ({"id": "evt_1", "type": "payment_intent." + "y" * 100, "created": 1, "data": {"object": {}}}, 400),
        ({"id": "evt_\u0000", "type": "payment_intent.canceled", "created": 1, "data": {"object": {}}}, 400),
        (
            {"id": "evt_2", "type": "payment_intent.canceled", "created": 1, "data": {"object": {"id": "pi_\u0000"}}},
            200,
        ),
        (
            {
                "id": "evt_3",
                "type": "charge.refunded",
                "created": 1,
                "data": {"object": {"payment_intent": "pi_" * 200}},
            },
            200,
        ),
        ({"id": "evt_4", "type": "payment_intent.payment_failed", "created": 10**20, "data": {"object": {}}}, 400),
    ],
)
def test_webhook_events_that_cannot_be_stored_are_refused_not_crashed_on(client, db, event, status):
    """Found by the fuzzer on PostgreSQL: over-long ids and NUL characters made the
    INSERT fail (a 500); a 'created' beyond the platform's clock did too."""
    payload = json.dumps(event).encode()
    response = client.post(
        WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=_sign(payload, int(time.time()))
    )
    assert response.status_code == status
    if status == 200:
        assert response.json()["outcome"] == "unmatched"


def test_webhook_signed_with_another_secret_even_with_the_right_timestamp_is_refused(client, db):
    payload = json.dumps(
        {
            "id": "evt_1",
            "type": "payment_intent.canceled",
            "created": int(time.time()),
            "data": {"object": {"id": "pi_1"}},
        }
    ).encode()
    now = int(time.time())
    for header in (
        _sign(payload, now, secret="whsec_someone_else"),
        _sign(payload + b" ", now),
        _sign(payload, now).replace("v1=", "v0="),
        _sign(payload, now).replace(f"t={now}", f"t={now + 1}"),
    ):  # timestamp changed after signing
        response = client.post(WEBHOOK, data=payload, content_type="application/json", HTTP_STRIPE_SIGNATURE=header)
        assert response.status_code == 400, header
    assert _nothing_recorded()


def test_webhook_without_a_configured_secret_refuses_everything(client, db, settings):
    settings.STRIPE_WEBHOOK_SECRET = ""
    payload = b'{"id": "evt_1", "type": "payment_intent.canceled", "created": 1, "data": {"object": {}}}'
    response = client.post(
        WEBHOOK,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=_sign(payload, int(time.time()), secret=""),
    )
    assert response.status_code == 400
    assert _nothing_recorded()


# --- Malformed ids ---------------------------------------------------------------------------------


@pytest.mark.parametrize("address_id", ["abc", "-1", "0", str(2**63), "1e3", "", "\x00", "١"])
def test_a_malformed_address_choice_at_checkout_is_a_message_not_a_500(alice_client, address_id):
    """Oscar's ShippingAddressView did ``get(pk=POST["address_id"])``: a server error."""
    alice_client.raise_request_exception = False
    add_to_basket(alice_client, "OTC-LIPBALM")
    response = alice_client.post("/checkout/shipping-address/", {"action": "ship_to", "address_id": address_id})
    assert response.status_code == 302
    assert response["Location"] == "/checkout/shipping-address/"


def test_bob_cannot_ship_to_alices_address(alice, bob, client):
    from oscar.core.loading import get_model

    address = get_model("address", "UserAddress").objects.create(
        user=alice,
        first_name="Alice",
        last_name="M",
        line1="1 Secret Row",
        line4="Brooklyn",
        state="NY",
        postcode="11201",
        country_id="US",
        phone_number="+12125550100",
    )
    client.force_login(bob)
    client.raise_request_exception = False
    add_to_basket(client, "OTC-LIPBALM")
    response = client.post("/checkout/shipping-address/", {"action": "ship_to", "address_id": str(address.pk)})
    assert response.status_code == 302 and response["Location"] == "/checkout/shipping-address/"
    assert "1 Secret Row" not in str(dict(client.session))


def test_a_review_form_with_errors_is_shown_again_not_a_500(client, demo_shop):
    """Oscar's review form rounded the submitted score as text (``as_stars``)."""
    client.raise_request_exception = False
    url = product("OTC-LIPBALM").get_absolute_url() + "reviews/add/"
    response = client.post(url, {"title": "", "score": "abc", "body": "", "name": "", "email": ""})
    assert response.status_code == 200


@pytest.mark.parametrize("ids", [[""], ["abc"], [str(2**63)], ["-1", "x"]])
def test_bulk_actions_on_malformed_ids_are_a_400_not_a_500(alice_client, shop_admin, ids):
    """Oscar's bulk actions (BulkEditMixin) filter ``pk__in`` on whatever was ticked."""
    from tests.factories import staff_client

    alice_client.raise_request_exception = False
    response = alice_client.post("/accounts/notifications/update/", {"action": "archive", "selected_notification": ids})
    # SQLite raises on an id too large for it (the shop's 400 page); PostgreSQL's lookup finds no
    # row and oscar redirects with its "nothing selected" message. Never a 500 either way.
    assert response.status_code in (302, 400)
    admin = staff_client(shop_admin)
    admin.raise_request_exception = False
    response = admin.post("/dashboard/catalogue/", {"action": "delete_selected_products", "selected_product": ids})
    assert response.status_code < 500


def test_a_refused_category_form_shows_its_errors(shop_admin):
    from oscar.core.loading import get_model

    from tests.factories import staff_client

    category = get_model("catalogue", "Category").objects.first()
    admin = staff_client(shop_admin)
    admin.raise_request_exception = False
    response = admin.post(f"/dashboard/catalogue/categories/{category.pk}/update/", {"name": "\x00", "slug": ""})
    assert response.status_code == 200


def test_a_basket_formset_without_its_limits_is_not_a_500(alice_client):
    """Oscar's BasketView copied MIN/MAX_NUM_FORMS from the data unchecked."""
    alice_client.raise_request_exception = False
    add_to_basket(alice_client, "OTC-LIPBALM")
    line = alice_client.get("/basket/").context["basket"].all_lines()[0]
    response = alice_client.post(
        "/basket/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(line.id),
            "form-0-quantity": "x",
            "form-0-DELETE": "on",
        },
    )
    assert response.status_code < 500


def test_a_tampered_wish_list_formset_is_a_message_not_a_500(alice_client, alice):
    from oscar.core.loading import get_model

    wishlist = get_model("wishlists", "WishList").objects.create(owner=alice, name="Mine")
    wishlist.lines.create(product=product("OTC-LIPBALM"), title="Lip balm")
    alice_client.raise_request_exception = False
    response = alice_client.post(
        f"/accounts/wishlists/{wishlist.key}/",
        {
            "lines-TOTAL_FORMS": "2",
            "lines-INITIAL_FORMS": "1",
            "lines-0-id": "",
            "lines-0-quantity": "x",
            "lines-1-quantity": "1",
        },
    )
    assert response.status_code == 302


@pytest.mark.parametrize("stock_forms", ["keep", "-1"])
def test_a_product_saved_with_the_same_category_twice_is_a_form_error_not_a_500(shop_admin, stock_forms):
    """Oscar's category formset skipped Django's uniqueness check: the duplicate reached the
    database's unique constraint (found by the POST sweep, with a hand-made formset count too)."""
    from oscar.core.loading import get_model

    from tests.factories import staff_client
    from tests.security.test_post_sweep import forms_on

    item = get_model("catalogue", "Product").objects.filter(stockrecords__isnull=False).first()
    links_before = list(item.productcategory_set.values_list("category_id", flat=True))
    admin = staff_client(shop_admin)
    admin.raise_request_exception = False
    url = f"/dashboard/catalogue/products/{item.pk}/"
    [fields] = [f for _, f in forms_on(admin.get(url), url) if "productcategory_set-TOTAL_FORMS" in f]
    assert fields["productcategory_set-1-category"] == fields["productcategory_set-0-category"]  # first option
    if stock_forms != "keep":
        fields["stockrecords-TOTAL_FORMS"] = stock_forms
    response = admin.post(url, fields)
    assert response.status_code == 200
    assert "Please correct the duplicate data for" in response.content.decode()
    assert list(item.productcategory_set.values_list("category_id", flat=True)) == links_before
