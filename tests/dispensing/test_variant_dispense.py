"""A child product (one strength of a drug) goes through the whole chain: verified
prescription for that strength → checkout → authorised → dispensed."""

from __future__ import annotations

import pytest
from oscar.core.loading import get_model

from prescriptions.dispensing import services as dispensing
from prescriptions.review.services import VerificationRefused
from tests.factories import add_to_basket, checkout_to_preview, place_order
from tests.shop.variants import doxycycline_in_two_strengths

from .test_gate_and_dispense import verified_basket_line

Order = get_model("order", "Order")

pytestmark = pytest.mark.django_db

DOXY_50 = dict(
    drug_name="Doxycycline hyclate",
    strength="50 mg",
    dosage_form="capsule",
    risk_category="",
    quantity=28,
    days_supply=28,
    directions="Take one capsule by mouth twice daily.",
)


def test_child_strength_is_checked_out_and_dispensed(alice_client, alice, technician, pharmacist, localstripe):
    _parent, low, _high = doxycycline_in_two_strengths()
    verified_basket_line(alice_client, alice, technician, pharmacist, upc=low.upc, **DOXY_50)
    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = Order.objects.get()
    assert order.status == "Awaiting dispense"
    outcome = dispensing.dispense_order(order=order, pharmacist=pharmacist, medication_guide_included=True)
    assert outcome.dispensed, [f.pharmacist_message for r in outcome.lines for f in r.blocks]


def test_prescription_for_the_other_strength_cannot_be_verified_for_the_child(
    alice_client, alice, technician, pharmacist
):
    _parent, low, _high = doxycycline_in_two_strengths()
    with pytest.raises(VerificationRefused, match="50 mg"):
        verified_basket_line(
            alice_client, alice, technician, pharmacist, upc=low.upc, **{**DOXY_50, "strength": "100 mg"}
        )
