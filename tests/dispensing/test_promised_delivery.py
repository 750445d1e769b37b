"""iPLEDGE mail order (iPLEDGE REMS; RULES.md 1.5, 6.7): the parcel must be promised to arrive by
the RMA's "do not dispense after" date. The dispense step passes the promised delivery date
(prescriptions.delivery) to the rules; the clock is moved with time_machine."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from oscar.core.loading import get_model

from prescriptions.dispensing import services as dispensing
from prescriptions.orders import OrderStatus
from tests.dispensing.test_gate_and_dispense import place_rx_order

Order = get_model("order", "Order")
NY = ZoneInfo("America/New_York")

pytestmark = pytest.mark.django_db

# Wednesday 2 December 2026, 10:00 in New York: ready before the cut-off, leaves today.
# Free shipping (3-5 business days) is promised for Wednesday 9 December; express (1-2) for Friday 4th.
WEDNESDAY_MORNING = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=NY)


@pytest.fixture(autouse=True)
def shipping_settings(settings):
    settings.RXSHOP_DISPATCH_CUTOFF = "14:00"
    settings.RXSHOP_SHIPPING_TRANSIT_DAYS = {"free-shipping": (3, 5), "express": (1, 2)}


def dispense_with_dnd(alice_client, alice, technician, pharmacist, dnd, **kwargs):
    with time_machine.travel(WEDNESDAY_MORNING, tick=True):
        place_rx_order(alice_client, alice, technician, pharmacist, with_otc=False)
        order = Order.objects.get()
        line = order.lines.get()
        rma = dispensing.AuthorisationInput(
            number="RMA-0042-7781", risk_category="cannot", quantity=30, days_supply=30, do_not_dispense_after=dnd
        )
        outcome = dispensing.dispense_order(
            order=order, pharmacist=pharmacist, authorisations={line.pk: rma}, medication_guide_included=True, **kwargs
        )
    order.refresh_from_db()
    return outcome, order


def delivery_blocks(outcome):
    return [f for r in outcome.lines for f in r.blocks if "Promised delivery" in f.pharmacist_message]


def test_a_parcel_promised_after_the_rma_date_is_blocked_with_what_the_pharmacist_can_do(
    alice_client, alice, technician, pharmacist, localstripe
):
    outcome, order = dispense_with_dnd(alice_client, alice, technician, pharmacist, datetime.date(2026, 12, 8))
    assert not outcome.dispensed and order.status == OrderStatus.AWAITING_DISPENSE
    (block,) = delivery_blocks(outcome)
    assert "2026-12-09" in block.pharmacist_message and "2026-12-08" in block.pharmacist_message
    assert "faster shipping method" in block.pharmacist_message and "new RMA" in block.pharmacist_message
    assert "RULES.md" not in block.pharmacist_message + block.customer_message


def test_a_parcel_promised_on_the_rma_date_is_dispensed(alice_client, alice, technician, pharmacist, localstripe):
    outcome, order = dispense_with_dnd(alice_client, alice, technician, pharmacist, datetime.date(2026, 12, 9))
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    assert order.status == OrderStatus.DISPENSED
    assert not [f for r in outcome.lines for f in r.warnings if "No promised delivery" in f.pharmacist_message]


def test_a_faster_method_chosen_at_dispense_meets_the_rma_date(
    alice_client, alice, technician, pharmacist, localstripe
):
    outcome, order = dispense_with_dnd(
        alice_client, alice, technician, pharmacist, datetime.date(2026, 12, 4), shipping_method="express"
    )
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]
    assert order.status == OrderStatus.DISPENSED
