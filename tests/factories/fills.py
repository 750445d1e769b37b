"""Filled prescriptions in bulk, for the pharmacy pages' query-count tests (refills due, recall):
a verified prescription (uploaded and transcribed through the services) with the records a
dispense leaves (the order line, the dispense with its evaluation, a scanned pack of a lot)
written directly, which is what those pages read. The dispense step itself is tested in
tests/dispensing; going through it for every row would make a 3N-row test take minutes."""

from __future__ import annotations

import datetime

from compliance.core import Stage
from compliance.models import ComplianceEvaluation
from payments.models import SavedCard
from prescriptions.dispensing.models import Dispense, DispensedPack, FillScan
from prescriptions.models import AutoRefill, Prescription

from .catalogue import RxProductFactory
from .orders import AWAITING_SHIPMENT, OrderFactory
from .prescriptions import submit, transcribe, transcription_for, verify
from .users import CustomerFactory


def filled_prescription(
    *,
    technician,
    pharmacist,
    dispensed_at: datetime.datetime,
    days_supply: int = 28,
    refills: int = 2,
    product=None,
    lot: str = "",
    auto_refill: bool = False,
) -> Prescription:
    """A verified prescription of a new customer, filled once at ``dispensed_at`` (``fills_used`` 1)."""
    customer = CustomerFactory()
    product = product or RxProductFactory()
    prescription = submit(customer, product, quantity=28, refills=refills)
    transcribe(
        prescription, technician, transcription_for(product, quantity=28, days_supply=days_supply, refills=refills)
    )
    verify(prescription, pharmacist)
    Prescription.objects.filter(pk=prescription.pk).update(fills_used=1)
    order = OrderFactory(user=customer, lines=[(product, 1)], status=AWAITING_SHIPMENT)
    line = order.lines.get()
    evaluation = ComplianceEvaluation.objects.create(
        stage=Stage.DISPENSE.value,
        subject=f"prescription:{prescription.pk}:order:{order.number}:line:{line.pk}",
        prescription_id=prescription.pk,
        moment=dispensed_at,
        facts={},
        fingerprint="0" * 64,
        passed=True,
    )
    dispense = Dispense.objects.create(
        order_line=line,
        prescription=prescription,
        pharmacist=pharmacist,
        pharmacist_name="Priya Patel, PharmD",
        dispensed_at=dispensed_at,
        evaluation=evaluation,
    )
    if lot:
        ndc = product.attr.ndc
        scan = FillScan.objects.create(
            order_line=line,
            prescription=prescription,
            scanned_at=dispensed_at,
            scanned_by=pharmacist,
            scanned_by_name="Priya Patel, PharmD",
            method=FillScan.Method.BARCODE,
            ndc=ndc,
            lot=lot,
            serial=f"S{dispense.pk}",
            expires_on=datetime.date(2028, 6, 30),
            quantity_confirmed=True,
            outcome=FillScan.Outcome.ACCEPTED,
        )
        DispensedPack.objects.create(
            dispense=dispense, scan=scan, ndc=ndc, lot=lot, serial=scan.serial, expires_on=scan.expires_on
        )
    if auto_refill:
        card = SavedCard.objects.create(
            user=customer,
            customer_id=f"cus_test{customer.pk}",
            payment_method_id=f"pm_test{customer.pk}",
            brand="visa",
            last4="4242",
            exp_month=12,
            exp_year=2030,
        )
        AutoRefill.objects.create(
            prescription=prescription,
            customer=customer,
            saved_card=card,
            shipping_address={},
            shipping_method="standard",
            consent_text="Refill it for me.",
            consent_version="1",
            consented_at=dispensed_at,
        )
    prescription.refresh_from_db()
    return prescription
