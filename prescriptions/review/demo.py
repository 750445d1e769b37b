"""Demo prescriptions waiting in the review queue, for ``make demo``.

A separate demo customer (Carlos Diaz, and his daughter as a second patient)
so the storefront's demo customers start with empty "My prescriptions". One
prescription is already transcribed by the demo technician, so the demo
pharmacist can go straight to step 2 (the same person may not do both steps).
Sofia's health profile lists doxycycline from another pharmacy, so her
isotretinoin prescription shows a contraindication (drug-utilisation review)
once it is transcribed, which a pharmacist can verify only with a documented
override.
The documents are drawn here: PNG images of a typed prescription.

Idempotent: nothing is created when the demo customer already has prescriptions.
"""

from __future__ import annotations

import datetime
import io

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from prescriptions import services as prescription_services
from prescriptions.models import Patient, Prescription
from prescriptions.uploads import inspect_bytes

from . import services

DEMO_CUSTOMER = {
    "email": "carlos@example.com",
    "password": "carlos-demo-2026",
    "first_name": "Carlos",
    "last_name": "Diaz",
}
PRESCRIBER = prescription_services.PrescriberDetails(
    name="Jane Smith, MD",
    phone="+1 518 555 0147",
    email="office@hudsonderm.example",
    address="1 Main St, Albany, NY 12207",
)


def _document(
    *, patient: Patient, drug: str, quantity: int, directions: str, written: datetime.date, risk: str
) -> bytes:
    """A typed prescription as a PNG (Pillow's bundled font)."""
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("RGB", (850, 1100), "white")
    draw = ImageDraw.Draw(image)
    big, normal, small = (ImageFont.load_default(size=s) for s in (34, 24, 19))
    ink = (20, 30, 60)
    draw.rectangle((30, 30, 820, 1070), outline=(90, 110, 150), width=3)
    draw.text((60, 60), "Hudson Dermatology Associates", font=big, fill=ink)
    draw.text((60, 110), "Jane Smith, MD  ·  1 Main St, Albany, NY 12207", font=small, fill=ink)
    draw.text((60, 138), "Tel +1 518 555 0147  ·  NPI 1234567893", font=small, fill=ink)
    draw.line((60, 180, 790, 180), fill=(90, 110, 150), width=2)
    draw.text((60, 210), f"Patient: {patient.full_name}", font=normal, fill=ink)
    draw.text((60, 245), f"Date of birth: {patient.date_of_birth:%m/%d/%Y}", font=normal, fill=ink)
    draw.text((60, 280), f"Address: {patient.address_text}", font=small, fill=ink)
    draw.text((560, 210), f"Date: {written:%m/%d/%Y}", font=normal, fill=ink)
    draw.text((60, 350), "Rx", font=ImageFont.load_default(size=64), fill=ink)
    draw.text((160, 370), drug, font=big, fill=ink)
    draw.text((160, 430), f"Disp: #{quantity} ({quantity} capsules)", font=normal, fill=ink)
    draw.text((160, 470), f"Sig: {directions}", font=normal, fill=ink)
    draw.text((160, 510), "Refills: 0 (none)", font=normal, fill=ink)
    draw.text((160, 560), f"iPLEDGE risk category: patient {risk} get pregnant", font=small, fill=ink)
    draw.line((480, 900, 780, 900), fill=ink, width=2)
    draw.line([(490, 885), (530, 850), (560, 895), (600, 845), (640, 890), (690, 860), (760, 880)], fill=ink, width=3)
    draw.text((520, 910), "Jane Smith, MD", font=small, fill=ink)
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _submit(customer, patient, upc, *, drug, quantity, directions, written, risk, name):
    from oscar.core.loading import get_model

    product = get_model("catalogue", "Product").objects.get(upc=upc)
    data = _document(patient=patient, drug=drug, quantity=quantity, directions=directions, written=written, risk=risk)
    return prescription_services.submit_prescription(
        customer=customer,
        product=product,
        prescriber=PRESCRIBER,
        quantity=quantity,
        patient=patient,
        files=[inspect_bytes(data, original_name=name)],
    )


@transaction.atomic
def load_demo_review(*, today: datetime.date | None = None) -> int:
    """Three demo prescriptions in the queue; returns how many were created (0 on a re-run)."""
    User = get_user_model()
    customer, created = User.objects.get_or_create(
        username=DEMO_CUSTOMER["email"],
        defaults={k: DEMO_CUSTOMER[k] for k in ("email", "first_name", "last_name")},
    )
    if created:
        customer.set_password(DEMO_CUSTOMER["password"])
        customer.save(update_fields=["password"])
    if Prescription.objects.filter(customer=customer).exists():
        return 0
    today = today or timezone.localdate()
    address = {"address_line1": "48 Lark Street", "city": "Albany", "state": "NY", "postcode": "12210"}
    carlos, _ = Patient.objects.get_or_create(
        account=customer,
        relationship=Patient.Relationship.SELF,
        defaults={"first_name": "Carlos", "last_name": "Diaz", "date_of_birth": datetime.date(1999, 3, 14), **address},
    )
    sofia, _ = Patient.objects.get_or_create(
        account=customer,
        first_name="Sofia",
        last_name="Diaz",
        defaults={"relationship": Patient.Relationship.CHILD, "date_of_birth": datetime.date(2009, 7, 2), **address},
    )
    prescription_services.record_patient_profile(
        patient=sofia,
        actor=customer,
        allergy_answer="listed",
        allergies=[prescription_services.AllergyEntry(name="Penicillins", drug_class="penicillins", reaction="rash")],
        medicines=[prescription_services.MedicineEntry(name="Doxycycline 100 mg (another pharmacy)", code="3640")],
    )
    sig = "Take one capsule by mouth once daily with food."
    waiting_longest = _submit(
        customer,
        sofia,
        "RX-ISO-40",
        drug="Isotretinoin 40 mg capsules",
        quantity=30,
        directions=sig,
        written=today - datetime.timedelta(days=3),
        risk="can",
        name="sofia-isotretinoin.png",
    )
    transcribed = _submit(
        customer,
        carlos,
        "RX-ISO-20",
        drug="Isotretinoin 20 mg capsules",
        quantity=30,
        directions=sig,
        written=today - datetime.timedelta(days=2),
        risk="cannot",
        name="carlos-isotretinoin.png",
    )
    newest = _submit(
        customer,
        carlos,
        "RX-DOXY-100",
        drug="Doxycycline hyclate 100 mg capsules",
        quantity=28,
        directions="Take one capsule by mouth twice daily.",
        written=today - datetime.timedelta(days=1),
        risk="cannot",
        name="carlos-doxycycline.png",
    )
    now = timezone.now()
    for prescription, hours in ((waiting_longest, 5), (transcribed, 3), (newest, 0.5)):
        Prescription.objects.filter(pk=prescription.pk).update(created_at=now - datetime.timedelta(hours=hours))

    technician = User.objects.filter(groups__name="Pharmacy technician", is_active=True).order_by("pk").first()
    if technician is not None:
        services.claim_for_review(prescription=transcribed, reviewer=technician)
        services.save_transcription(
            prescription=transcribed,
            user=technician,
            expected_version=0,
            data=services.TranscriptionData(
                prescriber_name="Jane Smith, MD",
                prescriber_address="1 Main St, Albany, NY 12207",
                prescriber_npi="1234567893",
                drug_name="Isotretinoin",
                strength="20 mg",
                dosage_form="capsule",
                quantity=30,
                days_supply=30,
                directions=sig,
                refills=0,
                date_written=today - datetime.timedelta(days=2),
                signature_present=True,
                risk_category="cannot",
            ),
        )
        services.release_claim(prescription=transcribed, reviewer=technician)
    return 3
