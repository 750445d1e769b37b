"""The inspector's complete history of a prescription that was dispensed, shipped and
partly refunded: rule evaluations at each stage, the RMA and its changes, the Medication
Guide, the money, the shipment, and file opens grouped per person and day."""

from __future__ import annotations

import csv
import io
from decimal import Decimal as D

import pytest
from django.urls import reverse
from oscar.core.loading import get_model

from payments.models import RefundReason
from prescriptions import fulfilment
from prescriptions.dispensing import services as dispensing
from prescriptions.dispensing.models import ProgrammeAuthorisation, ProgrammeAuthorisationChange
from prescriptions.models import AppendOnlyError
from tests.factories.orders import ship
from tests.factories.users import staff_client

from .test_gate_and_dispense import place_rx_order, rma

Order = get_model("order", "Order")
pytestmark = pytest.mark.django_db


@pytest.fixture
def dispensed_and_refunded(alice_client, alice, technician, pharmacist, localstripe):
    prescription, _ = place_rx_order(alice_client, alice, technician, pharmacist)
    order = Order.objects.get()
    rx_line = order.lines.get(product__upc="RX-ISO-20")
    # First without the Medication Guide: blocked, the RMA is kept as entered (window of 3 days).
    blocked = dispensing.dispense_order(
        order=order,
        pharmacist=pharmacist,
        authorisations={rx_line.pk: rma(days_left=3)},
        medication_guide_included=False,
    )
    assert not blocked.dispensed
    outcome = dispensing.dispense_order(
        order=order, pharmacist=pharmacist, authorisations={rx_line.pk: rma()}, medication_guide_included=True
    )
    assert outcome.dispensed
    balm = order.lines.exclude(pk=rx_line.pk).get()
    fulfilment.refund_order(
        order=order,
        actor=pharmacist,
        reason_code=RefundReason.DAMAGED_IN_TRANSIT,
        line_quantities={balm.pk: 1},
        note="Tube split.",
    )
    # Shipped the one way there is: a parcel through ship_order (the rules run again at SHIP).
    ship(order, pharmacist, carrier="ups", tracking_number="1Z999AA10123456784")
    prescription.refresh_from_db()
    return prescription, order


def test_the_rma_is_kept_as_entered_and_every_change_is_a_new_row(dispensed_and_refunded):
    prescription, order = dispensed_and_refunded
    rma_row = ProgrammeAuthorisation.objects.get(prescription=prescription)
    first, second = ProgrammeAuthorisationChange.objects.filter(authorisation=rma_row).order_by("version")
    assert (first.version, first.values["state"], first.values["number"]) == (1, "active", "RMA-0042-7781")
    assert (second.version, second.changes["state"]) == (2, {"old": "active", "new": "dispensed"})
    assert set(second.changes) == {"state", "do_not_dispense_after"}
    assert first.values["do_not_dispense_after"] < second.values["do_not_dispense_after"]  # v1 not overwritten
    with pytest.raises(AppendOnlyError):
        first.save()


def test_history_of_a_dispensed_and_partly_refunded_prescription_lists_each_kind(dispensed_and_refunded, pharmacist):
    prescription, order = dispensed_and_refunded
    client = staff_client(pharmacist)
    file_url = f"/prescriptions/files/{prescription.files.get().public_id}/"
    for _ in range(3):
        client.get(file_url, REMOTE_ADDR="198.51.100.23")
    response = client.get(reverse("dashboard:pharmacy-history", kwargs={"public_id": prescription.public_id}))
    assert response.status_code == 200
    entries = response.context["entries"]
    kinds = {entry.kind for entry in entries}
    assert {"evaluation", "rma", "dispense", "payment", "shipment", "file-open"} <= kinds
    stages = {dict(e.details)["Stage"] for e in entries if e.kind == "evaluation"}
    assert {"checkout", "dispense", "ship"} <= stages
    (at_ship,) = [e for e in entries if e.kind == "evaluation" and dict(e.details)["Stage"] == "ship"]
    assert at_ship.summary.startswith("ship: passed") and at_ship.actor == "Priya Raman"
    assert dict(at_ship.details)["Subject"].startswith(f"prescription:{prescription.pk}:order:{order.number}:line:")
    summaries = [e.summary for e in entries]
    assert any(s.startswith("RMA RMA-0042-7781 entered") for s in summaries)
    assert any(s.startswith("RMA RMA-0042-7781 changed") for s in summaries)
    assert f"Captured ${order.total_incl_tax}" in summaries
    refunded = order.payment_authorisations.get().amount_refunded
    assert D("0") < refunded < order.total_incl_tax  # partly refunded: one lip balm
    assert f"Refunded ${refunded}" in summaries
    assert any("1Z999AA10123456784" in s for s in summaries)
    dispense = next(e for e in entries if e.kind == "dispense")
    assert dict(dispense.details)["Medication Guide included"].startswith("yes")
    opens = [e for e in entries if e.kind == "file-open" and e.actor == "Priya Raman"]
    assert len(opens) == 1 and "3 times" in opens[0].summary and len(opens[0].details) == 3
    page = response.content.decode()
    assert "<details" in page and "Damaged in transit" in page

    csv_response = client.get(reverse("dashboard:pharmacy-history-csv", kwargs={"public_id": prescription.public_id}))
    rows = list(csv.DictReader(io.StringIO(csv_response.content.decode())))
    kinds = {row["kind"] for row in rows}
    assert {
        "Compliance evaluation",
        "RMA (programme authorisation)",
        "Dispensed",
        "Payment",
        "Shipment",
        "File opened",
    } <= kinds
    assert any(row["summary"] == f"Refunded ${refunded}" and "Damaged in transit" in row["details"] for row in rows)
    assert any(row["kind"] == "File opened" and "3 times" in row["summary"] for row in rows)
