"""Capture, void and refund against a real localstripe: rxshop enforces the money rules.

Shipping and cancelling orders (money, then the order's status) are in tests/orders."""

from __future__ import annotations

from decimal import Decimal as D

import pytest
from oscar.core.loading import get_model

from payments import services
from payments.exceptions import NoPaymentForOrder, PaymentNotAllowed
from payments.models import PaymentAuthorisation, PaymentLogEntry
from prescriptions.orders import OrderStatus

from .conftest import make_order, otc_product

PaymentEvent = get_model("order", "PaymentEvent")
State = PaymentAuthorisation.State

pytestmark = pytest.mark.django_db


def events(order) -> list[tuple[str, D]]:
    return [(e.event_type.name, e.amount) for e in PaymentEvent.objects.filter(order=order).order_by("pk")]


def test_checkout_authorisation_is_recorded_for_the_whole_order(rx_order, stripe_v1):
    authorisation = rx_order.payment_authorisations.get()
    assert authorisation.state == State.AUTHORISED
    assert authorisation.amount_authorised == D("75.00") == rx_order.total_incl_tax
    assert authorisation.expires_at - authorisation.authorised_at == services.timezone.timedelta(days=7)
    assert authorisation.card_label == "Visa •••• 4242"
    intent = stripe_v1.payment_intents.retrieve(authorisation.intent_id)
    assert (intent.status, intent.amount, intent.capture_method) == ("requires_capture", 7500, "manual")
    assert intent.metadata.order_number == str(rx_order.number)
    assert rx_order.sources.get().amount_allocated == D("75.00")


def test_pharmacist_captures_only_the_lines_that_can_be_dispensed(rx_order, pharmacist, stripe_v1):
    rx_line = rx_order.lines.get(product__title="Isotretinoin 20 mg")
    otc_line = rx_order.lines.get(product__title="Lip balm")
    # The prescription cannot be dispensed: only the lip balm goes out.
    authorisation = services.capture_payment(order=rx_order, lines=[otc_line], actor=pharmacist)

    assert authorisation.state == State.CAPTURED and authorisation.is_partial_capture
    assert authorisation.amount_captured == D("25.00")
    source = rx_order.sources.get()
    assert (source.amount_allocated, source.amount_debited) == (D("75.00"), D("25.00"))
    captured = PaymentEvent.objects.get(order=rx_order, event_type__name="Captured")
    assert captured.amount == D("25.00")
    assert {q.line_id: q.quantity for q in captured.line_quantities.all()} == {otc_line.pk: 2}
    assert rx_line.payment_event_quantity(captured.event_type) == 0
    intent = stripe_v1.payment_intents.retrieve(authorisation.intent_id, params={"expand": ["latest_charge"]})
    assert intent.status == "succeeded"
    assert intent.latest_charge.amount - intent.latest_charge.amount_refunded == 2500  # the rest released
    entry = authorisation.log.get(action=PaymentLogEntry.Action.CAPTURE)
    assert (entry.actor, entry.amount, entry.from_state, entry.to_state) == (
        pharmacist,
        D("25.00"),
        "authorised",
        "captured",
    )


def test_capture_of_a_given_partial_amount(rx_order, pharmacist):
    authorisation = services.capture_payment(order=rx_order, amount=D("60.00"), actor=pharmacist)
    assert authorisation.amount_captured == D("60.00")
    assert events(rx_order) == [("Authorised", D("75.00")), ("Captured", D("60.00"))]


def test_capture_above_the_authorised_amount_is_refused(rx_order, pharmacist, stripe_v1):
    with pytest.raises(PaymentNotAllowed, match=r"only 75.00 USD was authorised"):
        services.capture_payment(order=rx_order, amount=D("75.01"), actor=pharmacist)
    authorisation = rx_order.payment_authorisations.get()
    assert authorisation.state == State.AUTHORISED
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "requires_capture"


def test_a_second_capture_is_refused(rx_order, pharmacist):
    services.capture_payment(order=rx_order, amount=D("50.00"), actor=pharmacist)
    with pytest.raises(PaymentNotAllowed, match="captured only once"):
        services.capture_payment(order=rx_order, amount=D("25.00"), actor=pharmacist)
    assert rx_order.payment_authorisations.get().amount_captured == D("50.00")
    assert rx_order.sources.get().amount_debited == D("50.00")


def test_void_releases_the_authorisation_and_leaves_the_order_status_to_prescriptions(rx_order, pharmacist, stripe_v1):
    authorisation = services.void_payment(
        order=rx_order, reason="Prescription rejected by the pharmacist.", actor=pharmacist
    )
    rx_order.refresh_from_db()
    assert authorisation.state == State.VOIDED
    assert authorisation.void_reason == "Prescription rejected by the pharmacist."
    # Payments never sets an order's status: prescriptions.fulfilment.cancel_order does, after the void.
    assert rx_order.status == OrderStatus.AWAITING_DISPENSE
    assert events(rx_order)[-1] == ("Voided", D("75.00"))
    assert rx_order.sources.get().amount_allocated == D("0.00")
    assert stripe_v1.payment_intents.retrieve(authorisation.intent_id).status == "canceled"


def test_capture_after_void_is_refused_by_rxshop(rx_order, pharmacist, stripe_v1):
    """localstripe would capture a cancelled intent; rxshop never asks it to."""
    authorisation = services.void_payment(order=rx_order, reason="Customer cancelled.", actor=pharmacist)
    with pytest.raises(PaymentNotAllowed, match="was voided"):
        services.capture_payment(order=rx_order, actor=pharmacist)
    intent = stripe_v1.payment_intents.retrieve(authorisation.intent_id, params={"expand": ["latest_charge"]})
    assert intent.status == "canceled" and intent.latest_charge.captured is False
    assert rx_order.sources.get().amount_debited == D("0.00")


def test_refund_up_to_what_was_captured(otc_order, pharmacist, stripe_v1):
    services.capture_payment(order=otc_order, actor=pharmacist)
    authorisation = services.refund_payment(
        order=otc_order, amount=D("10.00"), reason="Damaged in transit.", actor=pharmacist
    )
    assert authorisation.amount_refunded == D("10.00")
    assert otc_order.sources.get().amount_refunded == D("10.00")
    refund_entry = authorisation.log.get(action=PaymentLogEntry.Action.REFUND)
    assert refund_entry.stripe_reference.startswith("re_") and refund_entry.reason == "Damaged in transit."

    with pytest.raises(PaymentNotAllowed, match=r"at most 15.00 can be refunded"):
        services.refund_payment(order=otc_order, amount=D("15.01"), reason="Goodwill.", actor=pharmacist)
    services.refund_payment(order=otc_order, amount=D("15.00"), reason="Goodwill.", actor=pharmacist)
    assert [(e.amount, e.event_type.name) for e in PaymentEvent.objects.filter(order=otc_order).order_by("pk")][
        -2:
    ] == [
        (D("10.00"), "Refunded"),
        (D("15.00"), "Refunded"),
    ]
    assert len(stripe_v1.refunds.list(params={"payment_intent": authorisation.intent_id}).data) == 2


def test_refund_before_capture_is_refused(otc_order, pharmacist):
    with pytest.raises(PaymentNotAllowed, match="Nothing was captured"):
        services.refund_payment(order=otc_order, amount=D("1.00"), reason="Goodwill.", actor=pharmacist)


def test_an_order_without_a_card_payment_cannot_be_captured(db, localstripe, pharmacist):
    order = make_order([(otc_product("5.00"), 1)], status=OrderStatus.AWAITING_SHIPMENT)
    with pytest.raises(NoPaymentForOrder):
        services.capture_payment(order=order, actor=pharmacist)


def test_amount_for_lines_includes_shipping_only_once(rx_order):
    lines = list(rx_order.lines.all())
    assert services.amount_for_lines(order=rx_order, lines=lines) == rx_order.total_incl_tax
    assert services.amount_for_lines(order=rx_order, lines=[]) == D("0.00")


def test_authorising_the_same_order_number_twice_reuses_one_intent(db, localstripe, stripe_v1):
    """localstripe ignores idempotency keys: rxshop keeps one live intent per order number itself."""
    first = services.authorise_payment(
        order_number="200001", amount=D("19.99"), currency="USD", payment_method="test-card:visa", actor=None
    )
    second = services.authorise_payment(
        order_number="200001", amount=D("19.99"), currency="USD", payment_method="test-card:visa", actor=None
    )
    assert first.pk == second.pk and first.intent_id == second.intent_id
    assert len(stripe_v1.payment_intents.list().data) == 1


def test_raw_test_cards_are_never_sent_to_real_stripe(db, settings):
    settings.STRIPE_API_BASE = ""
    with pytest.raises(PaymentNotAllowed, match="local test server"):
        services.authorise_payment(
            order_number="200002", amount=D("5.00"), currency="USD", payment_method="test-card:visa", actor=None
        )
    assert not PaymentAuthorisation.objects.exists()


def test_refund_of_lines_is_limited_per_line_to_what_was_charged_of_it(
    otc_order, pharmacist, mailoutbox, django_capture_on_commit_callbacks
):
    from payments.models import RefundReason

    services.capture_payment(order=otc_order, actor=pharmacist)
    line = otc_order.lines.get()  # 2 x 12.50
    with django_capture_on_commit_callbacks(execute=True):
        services.refund_payment(
            order=otc_order,
            amount=D("12.50"),
            reason="Wrong item.",
            actor=pharmacist,
            lines=[line],
            line_quantities=[1],
            reason_code=RefundReason.WRONG_ITEM,
            note="Sent mint.",
        )
    assert services.refundable_quantity(line) == 1
    with pytest.raises(PaymentNotAllowed, match="at most 1 can be refunded"):
        services.refund_payment(
            order=otc_order,
            amount=D("12.50"),
            reason="Wrong item.",
            actor=pharmacist,
            lines=[line],
            line_quantities=[2],
        )
    refund = otc_order.payment_authorisations.get().refunds.get()
    assert (refund.amount, refund.reason_code, refund.note) == (D("12.50"), RefundReason.WRONG_ITEM, "Sent mint.")
    assert [m.subject for m in mailoutbox if "Refund" in m.subject] == [
        f"Refund of $12.50 for your rxshop order {otc_order.number}"
    ]
    assert "Lip balm" not in mailoutbox[-1].body


def test_refund_of_shipping_is_limited_to_the_shipping_charged(otc_order, pharmacist):
    services.capture_payment(order=otc_order, actor=pharmacist)
    assert otc_order.shipping_incl_tax == D("0.00")
    with pytest.raises(PaymentNotAllowed, match="of shipping"):
        services.refund_payment(
            order=otc_order, amount=D("1.00"), reason="Late.", actor=pharmacist, shipping_amount=D("1.00")
        )
