"""Prescriptions in each state, built through the services: a status is never written here.

    PrescriptionFactory()                      submitted (uploaded by the customer, one PDF)
    PrescriptionFactory(in_review=True)        a pharmacist opened it before anyone transcribed it
    PrescriptionFactory(transcribed=True)      a technician transcribed it (step 1) and put it back in the queue
    PrescriptionFactory(claimed=True)          ... then a pharmacist opened it: in review
    PrescriptionFactory(verified=True)         ... and verified it (step 2), overriding each warning (and
                                               drug-utilisation block) with a reason
    PrescriptionFactory(rejected=True)         ... or rejected it, with a coded reason and a message
    PrescriptionFactory(info_requested=True)   ... or asked the customer a question
    PrescriptionFactory(expired=True)          verified, then past its last fill date (the system expired it)
    PrescriptionFactory(used_up=True)          verified, then its only fill was dispensed

``customer``, ``product`` (isotretinoin 20 mg by default), ``patient``, ``technician``
and ``pharmacist`` are made when not given (and, to verify a programme drug, the pharmacy's
certification in the programme: ``tests.factories.compliance``); in a test on the demo shop pass the demo's
(``product=product("RX-ISO-20")``, ``technician=technician``...). ``transcription``
(a ``TranscriptionData``) is what step 1 reads off the document; by default it is a
valid prescription for the product.

The functions below are the steps themselves, for tests that walk a prescription
through them one at a time: ``submit``, ``transcribe``, ``verify`` (the status door
only, no review workspace) and ``good_transcription``.
"""

from __future__ import annotations

import datetime
import itertools

import factory
from django.utils import timezone
from oscar.core.loading import get_model

from compliance.core import Severity, needs_documented_override
from prescriptions import services
from prescriptions.drugs import drug_info
from prescriptions.models import Prescription, PrescriptionStatus
from prescriptions.review import services as review
from prescriptions.review.models import RejectionReason, Transcription
from prescriptions.uploads import inspect_bytes
from tests.prescriptions import files

from .catalogue import IsotretinoinProductFactory
from .compliance import ProgrammeCertificationFactory
from .storefront import product as demo_product
from .users import CustomerFactory, PharmacistFactory, TechnicianFactory

Product = get_model("catalogue", "Product")

_unique = itertools.count(1)


def unique_pdf(pages: int = 1) -> bytes:
    """A PDF no other test file has the same bytes as (a customer may not upload one file twice)."""
    return files.pdf(pages, text=b"test file %d" % next(_unique))


PATIENT = services.PatientDetails(
    relationship="self",
    first_name="Alice",
    last_name="Moreno",
    date_of_birth=datetime.date(1994, 5, 17),
    address_line1="22 Jay Street",
    city="Brooklyn",
    state="NY",
    postcode="11201",
)
PRESCRIBER = services.PrescriberDetails(name="Dr Jane Smith, MD", phone="+1 212 555 0199")


def submit(
    customer,
    upc: str | Product = "RX-ISO-20",
    *,
    data: bytes | None = None,
    quantity: int = 30,
    refills: int = 0,
    basket_line=None,
    patient=None,
):
    """``customer`` uploads a prescription for a product (a UPC of the demo catalogue, or a
    product), for ``patient`` or else for themself (their patient record, made if missing)."""
    accepted = inspect_bytes(data or unique_pdf(), original_name="prescription.pdf")
    details = None
    if patient is None:
        patient = customer.patients.filter(relationship="self").first()
        if patient is None:
            details = services.PatientDetails(
                **{**PATIENT.__dict__, "first_name": customer.first_name, "last_name": customer.last_name}
            )
    return services.submit_prescription(
        customer=customer,
        product=demo_product(upc) if isinstance(upc, str) else upc,
        prescriber=PRESCRIBER,
        quantity=quantity,
        refills_authorized=refills,
        files=[accepted],
        patient=patient,
        patient_details=details,
        basket_line=basket_line,
    )


def verify(prescription, pharmacist):
    """Verified through the status door alone (no transcription, no rules run): for tests
    of what the customer and the checkout see once a prescription is verified."""
    services.transition_prescription(
        prescription=prescription, to_status=PrescriptionStatus.IN_REVIEW, actor=pharmacist
    )
    services.transition_prescription(
        prescription=prescription, to_status=PrescriptionStatus.VERIFIED, actor=pharmacist, reason_code="valid"
    )
    return prescription


def good_transcription(**changes) -> review.TranscriptionData:
    """What a valid isotretinoin prescription says (patient who cannot get pregnant)."""
    values = dict(
        prescriber_name="Jane Smith, MD",
        prescriber_address="1 Main St, Albany, NY 12207",
        prescriber_npi="1234567893",
        drug_name="Isotretinoin",
        strength="20 mg",
        dosage_form="capsule",
        quantity=30,
        days_supply=30,
        directions="Take one capsule by mouth once daily with food.",
        refills=0,
        date_written=timezone.localdate() - datetime.timedelta(days=2),
        signature_present=True,
        risk_category="cannot",
    )
    values.update(changes)
    return review.TranscriptionData(**values)


def transcription_for(product, **changes) -> review.TranscriptionData:
    """A valid prescription for ``product``: its drug, strength and form as the catalogue has them."""
    info = drug_info(product)
    values = dict(
        drug_name=info.active_ingredient,
        strength=info.strength,
        dosage_form=info.dosage_form.lower(),
        risk_category="cannot" if info.programme == "ipledge" else "",
    )
    return good_transcription(**{**values, **changes})


def transcribe(prescription, user, data: review.TranscriptionData | None = None, *, release: bool = True):
    """``user`` claims, transcribes and (by default) releases the prescription."""
    review.claim_for_review(prescription=prescription, reviewer=user)
    prescription.refresh_from_db()
    version = Transcription.objects.filter(prescription=prescription).values_list("version", flat=True).first() or 0
    transcription = review.save_transcription(
        prescription=prescription, user=user, data=data or good_transcription(), expected_version=version
    )
    if release:
        review.release_claim(prescription=prescription, reviewer=user)
    return transcription


OVERRIDE_REASON = "Checked with the prescriber by phone."
REJECTION_MESSAGE = "We could not verify this prescription with your prescriber."
QUESTION = "Is the date on page 2 right?"


def _transcribe(prescription, *, technician, transcription, **_):
    transcribe(prescription, technician, transcription or transcription_for(prescription.product))


def _claim(prescription, *, pharmacist, **_):
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)


def _verify(prescription, *, pharmacist, **_):
    """Step 2 in the review workspace: every warning, and every drug-utilisation block (e.g. the
    patient's other prescription interacts), overridden with a reason (any other BLOCK still
    refuses). A programme drug needs the pharmacy's certification in that programme: it is
    made if the shop has none (the demo's is used when loaded)."""
    programme = drug_info(prescription.product).programme
    if programme:
        ProgrammeCertificationFactory(programme=programme)
    prescription.refresh_from_db()
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides={
            finding.rule_id: OVERRIDE_REASON
            for finding in evaluation.findings
            if finding.severity is Severity.WARN or needs_documented_override(finding)
        },
    )


def _reject(prescription, *, pharmacist, **_):
    review.reject_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        reason_code=RejectionReason.PRESCRIBER_UNVERIFIED,
        message_to_customer=REJECTION_MESSAGE,
    )


def _ask(prescription, *, pharmacist, **_):
    review.request_information(prescription=prescription, pharmacist=pharmacist, question=QUESTION)


def _expire(prescription, **_):
    services.transition_prescription(
        prescription=prescription,
        to_status=PrescriptionStatus.EXPIRED,
        actor=None,
        reason_code="expired",
        reason="Last fill date has passed.",
    )


def _dispense_only_fill(prescription, *, pharmacist, **_):
    prescription.refresh_from_db()
    while prescription.status == PrescriptionStatus.VERIFIED:
        services.record_fill(prescription=prescription, actor=pharmacist)


# The steps after the upload that lead to each state, in order.
STEPS = {
    "submitted": (),
    "in_review": (_claim,),
    "transcribed": (_transcribe,),
    "claimed": (_transcribe, _claim),
    "verified": (_transcribe, _claim, _verify),
    "rejected": (_transcribe, _claim, _reject),
    "info_requested": (_transcribe, _claim, _ask),
    "expired": (_transcribe, _claim, _verify, _expire),
    "used_up": (_transcribe, _claim, _verify, _dispense_only_fill),
}
_NEEDS_TECHNICIAN = {stage for stage, steps in STEPS.items() if _transcribe in steps}
_NEEDS_PHARMACIST = {stage for stage, steps in STEPS.items() if _claim in steps}


class PrescriptionFactory(factory.Factory):
    class Meta:
        model = Prescription

    class Params:
        in_review = factory.Trait(stage="in_review")
        transcribed = factory.Trait(stage="transcribed")
        claimed = factory.Trait(stage="claimed")
        verified = factory.Trait(stage="verified")
        rejected = factory.Trait(stage="rejected")
        info_requested = factory.Trait(stage="info_requested")
        expired = factory.Trait(stage="expired")
        used_up = factory.Trait(stage="used_up")
        needs_technician = factory.LazyAttribute(lambda o: o.stage in _NEEDS_TECHNICIAN)
        needs_pharmacist = factory.LazyAttribute(lambda o: o.stage in _NEEDS_PHARMACIST)

    stage = "submitted"
    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(IsotretinoinProductFactory)
    patient = None
    quantity = 30
    refills = 0
    data = factory.LazyFunction(unique_pdf)
    basket_line = None
    transcription = None
    technician = factory.Maybe("needs_technician", factory.SubFactory(TechnicianFactory), None)
    pharmacist = factory.Maybe("needs_pharmacist", factory.SubFactory(PharmacistFactory), None)

    @classmethod
    def _build(cls, model_class, *args, **kwargs):
        raise TypeError("A prescription exists only once submitted: use PrescriptionFactory() (create), not build().")

    @classmethod
    def _create(
        cls,
        model_class,
        *,
        stage,
        customer,
        product,
        patient,
        quantity,
        refills,
        data,
        basket_line,
        transcription,
        technician,
        pharmacist,
    ):
        if stage not in STEPS:
            raise ValueError(f"No such stage {stage!r}; one of {', '.join(STEPS)}.")
        prescription = submit(
            customer, product, data=data, quantity=quantity, refills=refills, basket_line=basket_line, patient=patient
        )
        for step in STEPS[stage]:
            step(prescription, technician=technician, pharmacist=pharmacist, transcription=transcription)
        prescription.refresh_from_db()
        return prescription
