"""The prescription label, as a PDF (reportlab), for one dispensed prescription line.

What it carries is the union of the federal minimum for controlled drugs (21 CFR
1306.14 and 1306.24: pharmacy name and address, serial (prescription) number, date of
fill, patient, prescriber, directions, cautionary statements) and what states add (drug
name, strength, quantity, beyond-use date, refills remaining, the pharmacy's phone):
the same label for every drug. Schedule II–IV drugs carry the federal transfer caution
(21 CFR 290.5); drugs with an FDA Medication Guide remind the patient of it (21 CFR
208.24). The toll-free number is also the mail-order offer to counsel.

The label stays in English whatever the customer's language (issue 24): it is printed at the
bench by staff, its federal cautions have fixed English wording, and it is not marked for
translation on purpose.
"""

from __future__ import annotations

import io

from django.utils import timezone
from reportlab.lib.pagesizes import inch
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer
from reportlab.platypus.flowables import HRFlowable

from compliance.core.online_rules import is_controlled
from prescriptions.drugs import attribute_values, drug_info
from prescriptions.pharmacy import pharmacy_details

FEDERAL_TRANSFER_CAUTION = (
    "Caution: Federal law prohibits the transfer of this drug to any person other than the patient "
    "for whom it was prescribed."
)
STORAGE = (
    "Store at room temperature, 20–25 °C (68–77 °F), in the original container, away from heat, moisture "
    "and light. Keep out of the reach of children."
)
MEDICATION_GUIDE = (
    "Read the Medication Guide that comes with this medicine before you start taking it and each time you get a refill."
)
PAGE = (4 * inch, 6 * inch)


def needs_transfer_caution(dea_schedule: int | None) -> bool:
    """21 CFR 290.5: Schedules II, III and IV (not V, and Schedule I is never dispensed)."""
    return is_controlled(dea_schedule) and dea_schedule in (2, 3, 4)


def label_facts(dispense) -> dict:
    """What the label says, as plain values (the PDF and its test read the same)."""
    line = dispense.order_line
    prescription = dispense.prescription
    transcription = getattr(prescription, "transcription", None)
    info = drug_info(line.product)
    pharmacy = pharmacy_details()
    packs = list(dispense.packs.all())
    expiries = [p.expires_on for p in packs if p.expires_on]
    quantity = getattr(transcription, "quantity", None) or (
        (info.pack_size or 0) * line.quantity if info.pack_size else line.quantity
    )
    return {
        "pharmacy_name": pharmacy.get("name", ""),
        "pharmacy_address": pharmacy.get("address", ""),
        "pharmacy_phone": pharmacy.get("phone", ""),
        "rx_number": prescription.reference,
        "date_filled": timezone.localtime(dispense.dispensed_at).date(),
        "patient": prescription.patient.full_name,
        "prescriber": getattr(transcription, "prescriber_name", "") or "",
        "drug": info.active_ingredient or line.title,
        "strength": info.strength,
        "dosage_form": info.dosage_form,
        "quantity": quantity,
        "directions": getattr(transcription, "directions", "") or "",
        "refills_left": prescription.fills_remaining,
        "ndcs": ", ".join(dict.fromkeys(p.ndc for p in packs)),
        "lots": ", ".join(dict.fromkeys(p.lot for p in packs if p.lot)),
        "discard_after": min(expiries) if expiries else None,
        "transfer_caution": needs_transfer_caution(info.dea_schedule),
        "medication_guide": bool(attribute_values(line.product).get("medication_guide_url")),
        "dispensed_by": dispense.pharmacist_name,
    }


def render_label(dispense, *, reprint: bool = False) -> bytes:
    facts = label_facts(dispense)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=PAGE,
        leftMargin=0.2 * inch,
        rightMargin=0.2 * inch,
        topMargin=0.2 * inch,
        bottomMargin=0.2 * inch,
        title=f"Prescription label {facts['rx_number']}",
        author=facts["pharmacy_name"],
    )
    small = ParagraphStyle("small", fontName="Helvetica", fontSize=7, leading=8.5)
    body = ParagraphStyle("body", fontName="Helvetica", fontSize=8.5, leading=10.5)
    strong = ParagraphStyle("strong", fontName="Helvetica-Bold", fontSize=10, leading=12)
    caution = ParagraphStyle("caution", fontName="Helvetica-Bold", fontSize=7.5, leading=9)

    def p(text, style=body):
        return Paragraph(_escape(text), style)

    story = [
        p(facts["pharmacy_name"], strong),
        p(facts["pharmacy_address"], small),
        p(f"Pharmacist questions, toll-free: {facts['pharmacy_phone']}", small),
        HRFlowable(width="100%", thickness=0.7, spaceBefore=2, spaceAfter=3),
        p(f"Rx {facts['rx_number']}    Filled {facts['date_filled']:%m/%d/%Y}"),
        p(f"Patient: {facts['patient']}", strong),
        p(f"Prescriber: {facts['prescriber'] or '—'}"),
        Spacer(1, 3),
        p(f"{facts['drug']} {facts['strength']} {facts['dosage_form']}".strip(), strong),
        p(f"Quantity: {facts['quantity']}    Refills left: {facts['refills_left']}"),
        p(f"NDC {facts['ndcs'] or '—'}    Lot {facts['lots'] or '—'}", small),
        p(
            "Discard after: " + (f"{facts['discard_after']:%m/%d/%Y}" if facts["discard_after"] else "—"),
            small,
        ),
        Spacer(1, 3),
        p(f"Directions: {facts['directions'] or 'See prescriber instructions'}", body),
        Spacer(1, 3),
    ]
    if facts["transfer_caution"]:
        story.append(p(FEDERAL_TRANSFER_CAUTION, caution))
    if facts["medication_guide"]:
        story.append(p(MEDICATION_GUIDE, caution))
    story += [
        p(STORAGE, small),
        p(f"Dispensed by {facts['dispensed_by']}" + (" (REPRINT)" if reprint else ""), small),
    ]
    doc.build(story)
    return out.getvalue()


def _escape(text) -> str:
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
