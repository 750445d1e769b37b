"""The order confirmation in the shop's own words: what happens next for prescription and
other items, the card authorised and not charged; product titles only."""

from __future__ import annotations

import pytest
from django.core import mail

from tests.dispensing.test_gate_and_dispense import place_rx_order

pytestmark = pytest.mark.django_db


def test_the_order_confirmation_says_what_happens_next_for_rx_and_otc_items(
    alice_client, alice, technician, pharmacist, localstripe, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        place_rx_order(alice_client, alice, technician, pharmacist)
    confirmation = next(m for m in mail.outbox if "we have your order" in m.subject)
    body = confirmation.body
    assert confirmation.subject.startswith("rxshop Pharmacy: we have your order")
    assert "Nothing has been charged yet" in body
    assert "Prescription items:" in body and "our pharmacist checks your prescription" in body
    assert "Other items:" in body and "sent together with your prescription items" in body
    assert "We are pleased to confirm" not in body  # oscar's stock wording is gone
    html = confirmation.alternatives[0][0] if confirmation.alternatives else ""
    assert "We are pleased" not in html
