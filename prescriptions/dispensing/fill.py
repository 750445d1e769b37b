"""Fill accuracy at the dispense bench: scan each pack, match it, count it.

The fill step (a technician may do it) scans each pack's GS1 DataMatrix; the rules in
``compliance.core.fill_rules`` decide whether it is the verified product's pack and in
date. Every scan is recorded (``FillScan``), good or bad. When the barcode will not read,
a pharmacist (only) may key the package NDC, lot and expiry with a reason. The
pharmacist's release (``services.dispense_order``) then requires each prescription
line's packs, copies them onto the dispense (``DispensedPack``: NDC, lot, expiry,
serial, for recalls) and records the offer to counsel (``Counselling``).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from oscar.core.loading import get_model

from compliance.core import Severity
from compliance.core.fill_rules import PackFacts, gtin_for_ndc, ndc_digits, ndc_is_dashed, pack_findings
from prescriptions import delivery
from prescriptions.drugs import drug_info
from prescriptions.exceptions import FillRefused, ScanUnreadable
from prescriptions.pharmacy import pharmacy_details
from prescriptions.services.status import name_of

from . import ndc as ndc_directory
from .label import render_label
from .models import Counselling, DispensedPack, FillScan, LabelPrint
from .scan import parse_pack_code, shown

Line = get_model("order", "Line")

FILL_PERMISSION = "dispensing.fill_order"
DISPENSE_PERMISSION = "dispensing.dispense_order"


def may_fill(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(FILL_PERMISSION))


def may_key_ndc(user) -> bool:
    """Keying an NDC by hand is a pharmacist's call (the dispense permission)."""
    return bool(user is not None and user.is_authenticated and user.is_active and user.has_perm(DISPENSE_PERMISSION))


def scan_required() -> bool:
    """``RXSHOP_FILL_SCAN_REQUIRED`` (default on): the release needs every pack scanned."""
    return bool(getattr(settings, "RXSHOP_FILL_SCAN_REQUIRED", True))


def product_ndcs(product) -> tuple[str, ...]:
    """The product's package NDCs (the ``ndc`` attribute: one, or several separated by commas)."""
    raw = drug_info(product).ndc or ""
    return tuple(part.strip() for part in raw.replace(";", ",").split(",") if part.strip())


@dataclass
class LineFill:
    line: object
    scans: list
    packs_needed: int

    @property
    def packs(self) -> list:
        return [s for s in self.scans if s.counts]

    @property
    def complete(self) -> bool:
        return len(self.packs) == self.packs_needed

    @property
    def warnings(self) -> list[str]:
        return [f["pharmacist_message"] for s in self.packs for f in s.findings if f["severity"] == Severity.WARN.value]


def line_fill(line) -> LineFill:
    scans = list(FillScan.objects.filter(order_line=line).order_by("scanned_at", "id"))
    return LineFill(line=line, scans=scans, packs_needed=line.quantity)


def _days_supply(prescription) -> int | None:
    transcription = getattr(prescription, "transcription", None)
    return getattr(transcription, "days_supply", None) if transcription is not None else None


def _record(
    *,
    line,
    actor,
    now,
    method,
    raw="",
    gtin="",
    ndc="",
    lot="",
    serial="",
    expires_on=None,
    quantity_confirmed=False,
    outcome,
    findings=(),
    reason="",
) -> FillScan:
    return FillScan.objects.create(
        order_line=line,
        prescription_id=line.prescription_id,
        scanned_at=now,
        scanned_by=actor,
        scanned_by_name=name_of(actor),
        method=method,
        raw=raw,
        gtin=gtin,
        ndc=ndc,
        lot=lot[:20],
        serial=serial[:20],
        expires_on=expires_on,
        quantity_confirmed=quantity_confirmed,
        outcome=outcome,
        findings=[f.to_dict() if hasattr(f, "to_dict") else f for f in findings],
        reason=reason,
    )


def _judge(*, line, actor, now, method, raw, gtin, digits, lot, serial, expires_on, quantity_confirmed, reason=""):
    found = ndc_directory.package_for_digits(digits)
    counted = FillScan.objects.filter(
        order_line=line, outcome__in=(FillScan.Outcome.ACCEPTED, FillScan.Outcome.ACCEPTED_WITH_WARNING)
    ).count()
    # One pack, one serial (DSCSA): already dispensed to someone, or already counted on this line.
    # A pack counted for an order that was then cancelled goes back to stock and may be scanned again.
    serial_used = bool(serial) and (
        DispensedPack.objects.filter(scan__gtin=gtin, serial=serial).exists()
        or FillScan.objects.filter(
            order_line=line,
            gtin=gtin,
            serial=serial,
            outcome__in=(FillScan.Outcome.ACCEPTED, FillScan.Outcome.ACCEPTED_WITH_WARNING),
        ).exists()
    )
    facts = PackFacts(
        ndc=found.package_ndc if found else "",
        ndc_digits=digits,
        expected_ndcs=product_ndcs(line.product),
        product_title=line.title,
        lot=lot,
        serial=serial,
        expires_on=expires_on,
        today=timezone.localdate(now),
        arrives_on=delivery.promised_delivery_for_order(order=line.order, ready_at=now),
        days_supply=_days_supply(line.prescription),
        serial_already_used=serial_used,
        quantity_confirmed=quantity_confirmed,
        manual=method == FillScan.Method.MANUAL,
        packs_needed=line.quantity,
        packs_counted=counted,
    )
    findings = pack_findings(facts)
    if any(f.severity is Severity.BLOCK for f in findings):
        outcome = FillScan.Outcome.BLOCKED
    elif findings:
        outcome = FillScan.Outcome.ACCEPTED_WITH_WARNING
    else:
        outcome = FillScan.Outcome.ACCEPTED
    return _record(
        line=line,
        actor=actor,
        now=now,
        method=method,
        raw=raw,
        gtin=gtin,
        ndc=facts.ndc or digits,
        lot=lot,
        serial=serial,
        expires_on=expires_on,
        quantity_confirmed=quantity_confirmed,
        outcome=outcome,
        findings=findings,
        reason=reason,
    )


def _line_for_fill(line):
    locked = (
        Line.objects.select_for_update(of=("self",)).select_related("order", "product", "prescription").get(pk=line.pk)
    )
    if locked.prescription_id is None:
        raise FillRefused(f"Line {locked.pk} has no prescription: there is nothing to fill against.")
    if hasattr(locked, "dispense"):
        raise FillRefused(f"{locked.title} was already dispensed; its packs are on the dispense record.")
    return locked


def record_scan(*, line, raw: str, actor, quantity_confirmed: bool, now: datetime.datetime | None = None) -> FillScan:
    """Record one pack scanned at fill (keyboard wedge or camera), with the rules' outcome.
    An unreadable scan is recorded too, with why."""
    if not may_fill(actor):
        raise FillRefused("Only pharmacy staff filling orders can scan packs.")
    now = now or timezone.now()
    with transaction.atomic():
        line = _line_for_fill(line)
        try:
            code = parse_pack_code(raw)
        except ScanUnreadable as exc:
            return _record(
                line=line,
                actor=actor,
                now=now,
                method=FillScan.Method.BARCODE,
                raw=shown(raw),
                quantity_confirmed=quantity_confirmed,
                outcome=FillScan.Outcome.UNREADABLE,
                findings=[
                    {
                        "rule_id": "fill.unreadable",
                        "severity": Severity.BLOCK.value,
                        "pharmacist_message": str(exc),
                        "customer_message": "",
                        "source": "GS1 General Specifications 7.8 (element strings, FNC1/GS separator)",
                    }
                ],
            )
        return _judge(
            line=line,
            actor=actor,
            now=now,
            method=FillScan.Method.BARCODE,
            raw=shown(raw),
            gtin=code.gtin,
            digits=code.ndc_digits,
            lot=code.lot,
            serial=code.serial,
            expires_on=code.expires_on,
            quantity_confirmed=quantity_confirmed,
        )


def record_manual_ndc(
    *,
    line,
    ndc: str,
    lot: str,
    expires_on: datetime.date | None,
    reason: str,
    pharmacist,
    quantity_confirmed: bool,
    serial: str = "",
    now: datetime.datetime | None = None,
) -> FillScan:
    """A pack whose barcode will not scan, keyed by a pharmacist, with why. Only a
    pharmacist: keying bypasses the scanner's certainty, so it takes their judgement."""
    if not may_key_ndc(pharmacist):
        raise FillRefused("Only a pharmacist may key an NDC when a barcode will not scan.")
    if not reason.strip():
        raise FillRefused("Say why the NDC is keyed (the barcode is damaged, missing …).")
    ndc = ndc.strip()
    if not ndc_is_dashed(ndc):
        raise FillRefused(f"“{ndc}” is not a dashed 10-digit NDC (4-4-2, 5-3-2 or 5-4-1), as printed on the pack.")
    now = now or timezone.now()
    with transaction.atomic():
        line = _line_for_fill(line)
        return _judge(
            line=line,
            actor=pharmacist,
            now=now,
            method=FillScan.Method.MANUAL,
            raw="",
            gtin=gtin_for_ndc(ndc),
            digits=ndc_digits(ndc),
            lot=lot.strip(),
            serial=serial.strip(),
            expires_on=expires_on,
            quantity_confirmed=quantity_confirmed,
            reason=reason.strip()[:1000],
        )


def unfilled(lines) -> list[str]:
    """What is missing before release: one sentence per prescription line not fully scanned."""
    missing = []
    for line in lines:
        fill = line_fill(line)
        if not fill.complete:
            missing.append(
                f"{line.title}: {len(fill.packs)} of {fill.packs_needed} pack(s) scanned at fill. "
                "Scan every pack before releasing."
            )
    return missing


def record_packs(*, dispense, line) -> list[DispensedPack]:
    return [
        DispensedPack.objects.create(
            dispense=dispense, scan=scan, ndc=scan.ndc, lot=scan.lot, serial=scan.serial, expires_on=scan.expires_on
        )
        for scan in line_fill(line).packs
    ]


@dataclass(frozen=True)
class CounsellingInput:
    """What the pharmacist records at release. Mail order: the offer is the toll-free number
    printed on the label and in the parcel; the answer is recorded when the patient gives it."""

    answer: str = Counselling.Answer.OFFERED
    method: str = ""
    counselled_at: datetime.datetime | None = None
    counselled_by: str = ""
    notes: str = ""


def record_counselling(*, dispense, counselling: CounsellingInput | None, pharmacist) -> Counselling:
    counselling = counselling or CounsellingInput()
    if counselling.answer not in Counselling.Answer.values:
        raise FillRefused("Record whether counselling was accepted, declined or offered in writing.")
    accepted = counselling.answer == Counselling.Answer.ACCEPTED
    if accepted and not counselling.counselled_by.strip():
        raise FillRefused("Counselling accepted: say who counselled the patient.")
    return Counselling.objects.create(
        dispense=dispense,
        answer=counselling.answer,
        offered_by=name_of(pharmacist),
        toll_free_number=pharmacy_details().get("phone", "")[:40],
        method=counselling.method[:80]
        or ("by phone" if accepted else "toll-free number on the label and in the parcel"),
        counselled_at=counselling.counselled_at if accepted else None,
        counselled_by=counselling.counselled_by.strip()[:255] if accepted else "",
        notes=counselling.notes.strip(),
    )


def issue_label(*, dispense, actor, reason: str = "") -> tuple[bytes, LabelPrint]:
    """The label PDF for a dispense, logged: the first print is the original, every later one
    a reprint, which needs a reason (a second label for the same fill is how a prescription
    gets filled twice)."""
    if not may_fill(actor):
        raise FillRefused("Only pharmacy staff can print prescription labels.")
    with transaction.atomic():
        reprint = LabelPrint.objects.filter(dispense=dispense).exists()
        if reprint and not reason.strip():
            raise FillRefused("This label was printed before: say why it is reprinted.")
        printed = LabelPrint.objects.create(
            dispense=dispense,
            printed_by=actor,
            printed_by_name=name_of(actor),
            reprint=reprint,
            reason=reason.strip()[:255],
        )
    return render_label(dispense, reprint=reprint), printed
