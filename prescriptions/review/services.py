"""Business actions of the review workspace (STYLE.md 3 and 4).

Each function takes keyword-only arguments and the acting user, runs in one
transaction that starts by locking the prescription row (``select_for_update``),
and writes its audit record. Status changes go through the one door,
``prescriptions.services.transition_prescription``, which writes the
``PrescriptionEvent`` and e-mails the customer on commit.

    claim_for_review        opening a prescription claims it (and, for a pharmacist, moves it to in review)
    release_claim           the reviewer puts it back
    save_transcription      step 1: what the document says; old → new values are kept
    evaluate_transcription  re-run the rules on the current transcription
    verify_prescription     step 2: no BLOCK, a reason for every WARN, evaluated at that moment
    reject_prescription     with a coded reason and a message to the customer
    request_information     a question to the customer
    verify_transferred_prescription
                            a prescription transferred in from another pharmacy, transcribed
                            and verified by the pharmacist who took it over (prescriptions.transfers)
    record_history_export   the inspector exported a prescription's history
"""

from __future__ import annotations

import dataclasses
import datetime
import re
from collections.abc import Mapping

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from compliance import subjects
from compliance.core import Finding, Severity, Stage, evaluate, needs_documented_override
from compliance.core.prescription_rules import last_day_to_fill
from compliance.models import ComplianceEvaluation
from compliance.services import compliance_config, evaluate_and_record
from prescriptions.drugs import drug_info
from prescriptions.exceptions import (  # noqa: F401  (callers catch them as services.X)
    ClaimedByAnother,
    ClaimRequired,
    NotPermitted,
    ReviewError,
    StaleForm,
    TransferBlocked,
    VerificationRefused,
)
from prescriptions.facts import facts_for_prescription
from prescriptions.models import Patient, Prescription
from prescriptions.models import PrescriptionStatus as S
from prescriptions.services import transition_prescription
from prescriptions.services.notifications import email_customer_on_commit
from prescriptions.services.status import create_transferred_prescription, name_of

from .models import (
    COMPLETABLE_ELEMENTS,
    AuditExport,
    Outcome,
    RejectionReason,
    ReviewClaim,
    ReviewDecision,
    Transcription,
    TranscriptionChange,
)
from .permissions import is_licensed_pharmacist, may_transcribe, may_use_workspace, may_view_audit_trail

CLAIMABLE = frozenset({S.SUBMITTED, S.IN_REVIEW, S.INFO_REQUESTED})
TRANSCRIBABLE = frozenset({S.SUBMITTED, S.IN_REVIEW})
REJECTABLE = frozenset({S.IN_REVIEW, S.INFO_REQUESTED})

TRANSCRIBED_FIELDS = (
    "prescriber_name",
    "prescriber_address",
    "prescriber_npi",
    "prescriber_dea_number",
    "drug_name",
    "strength",
    "dosage_form",
    "quantity",
    "days_supply",
    "directions",
    "refills",
    "date_written",
    "earliest_fill_date",
    "signature_present",
    "risk_category",
    "rma_number",
    "do_not_dispense_after",
    "completed_elements",
    "completion_note",
)
# Only a pharmacist may record that they completed a missing element (RULES.md 2.1).
PHARMACIST_ONLY_FIELDS = frozenset({"completed_elements", "completion_note"})


@dataclasses.dataclass(frozen=True, kw_only=True)
class TranscriptionData:
    """The values of step 1, as read off the prescription."""

    prescriber_name: str = ""
    prescriber_address: str = ""
    prescriber_npi: str = ""
    prescriber_dea_number: str = ""
    drug_name: str = ""
    strength: str = ""
    dosage_form: str = ""
    quantity: int | None = None
    days_supply: int | None = None
    directions: str = ""
    refills: int | None = None
    date_written: datetime.date | None = None
    earliest_fill_date: datetime.date | None = None
    signature_present: bool = False
    risk_category: str = ""
    rma_number: str = ""
    do_not_dispense_after: datetime.date | None = None
    completed_elements: tuple[str, ...] = ()
    completion_note: str = ""

    def cleaned(self) -> dict:
        values = dataclasses.asdict(self)
        for name, value in values.items():
            if isinstance(value, str):
                values[name] = value.strip()
        values["prescriber_npi"] = re.sub(r"\s+", "", values["prescriber_npi"])
        values["prescriber_dea_number"] = re.sub(r"\s+", "", values["prescriber_dea_number"]).upper()
        known = {code for code, _ in COMPLETABLE_ELEMENTS}
        unknown = set(values["completed_elements"]) - known
        if unknown:
            raise ReviewError(f"Unknown prescription elements: {', '.join(sorted(unknown))}.")
        values["completed_elements"] = sorted(set(values["completed_elements"]))
        return values


def same_person_may_transcribe_and_verify() -> bool:
    return bool(getattr(settings, "REVIEW_SAME_PERSON_MAY_TRANSCRIBE_AND_VERIFY", False))


def subject_for(prescription) -> subjects.Subject:
    """The compliance subject of a prescription's verification."""
    return subjects.for_prescription(prescription.pk)


def _jsonable(value):
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, (tuple, set, frozenset)):
        return sorted(value)
    return value


def _claim_length() -> datetime.timedelta:
    return datetime.timedelta(minutes=int(getattr(settings, "REVIEW_CLAIM_MINUTES", 30)))


def _lock(prescription) -> Prescription:
    """Lock the prescription row for the rest of the transaction: the one place
    where two reviewers, or two clicks, are put one after the other."""
    return Prescription.objects.select_for_update().get(pk=prescription.pk)


def _open_claim(prescription_id: int) -> ReviewClaim | None:
    return ReviewClaim.objects.filter(prescription_id=prescription_id, released_at__isnull=True).first()


def _end_claim(claim: ReviewClaim | None, *, at, reason: str) -> None:
    if claim is not None and claim.released_at is None:
        claim.released_at = at
        claim.release_reason = reason
        claim.save(update_fields=["released_at", "release_reason"])


def _require_claim(locked: Prescription, user, now) -> ReviewClaim:
    """The user holds the active claim; it is renewed (the user is working on it)."""
    claim = _open_claim(locked.pk)
    if claim is None or not claim.is_active(now):
        raise ClaimRequired(
            f"Open prescription {locked.reference} for review (claim it) first; "
            "a claim lapses after a while without activity."
        )
    if claim.reviewer_id != user.pk:
        raise ClaimedByAnother(claim)
    claim.expires_at = now + _claim_length()
    claim.save(update_fields=["expires_at"])
    return claim


def _require_pharmacist(user, action: str) -> None:
    if not is_licensed_pharmacist(user):
        raise NotPermitted(f"Only a pharmacist can {action} a prescription.")


# --- Claims -----------------------------------------------------------------------------


@transaction.atomic
def claim_for_review(*, prescription: Prescription, reviewer, ip_address: str | None = None) -> ReviewClaim:
    """``reviewer`` starts (or keeps) working on ``prescription``.

    Exactly one reviewer holds a prescription at a time: a second one gets
    ``ClaimedByAnother`` until the claim is released, decided or lapses
    (``REVIEW_CLAIM_MINUTES``). A pharmacist's claim moves a new prescription
    to "in review" (the customer is told); a technician's does not.
    """
    if not may_use_workspace(reviewer):
        raise NotPermitted("You may not review prescriptions.")
    locked = _lock(prescription)
    if locked.customer_id == reviewer.pk:
        raise NotPermitted("You cannot review your own prescription.")
    if locked.status not in CLAIMABLE:
        raise ReviewError(
            f"Prescription {locked.reference} is “{locked.get_status_display()}”: there is nothing to review."
        )
    now = timezone.now()
    claim = _open_claim(locked.pk)
    if claim is not None and claim.is_active(now):
        if claim.reviewer_id != reviewer.pk:
            raise ClaimedByAnother(claim)
        claim.expires_at = now + _claim_length()
        claim.save(update_fields=["expires_at"])
    else:
        if claim is not None:  # lapsed: it ended when it expired
            _end_claim(claim, at=claim.expires_at, reason=ReviewClaim.Release.LAPSED)
        claim = ReviewClaim.objects.create(
            prescription=locked,
            reviewer=reviewer,
            reviewer_name=name_of(reviewer),
            claimed_at=now,
            expires_at=now + _claim_length(),
            ip_address=ip_address,
        )
    if locked.status == S.SUBMITTED and is_licensed_pharmacist(reviewer):
        transition_prescription(prescription=locked, to_status=S.IN_REVIEW, actor=reviewer, reason_code="claimed")
    return claim


@transaction.atomic
def release_claim(*, prescription: Prescription, reviewer) -> ReviewClaim | None:
    """The reviewer stops working on it; returns the ended claim (None if they held none)."""
    locked = _lock(prescription)
    claim = _open_claim(locked.pk)
    if claim is None or claim.reviewer_id != reviewer.pk or not claim.is_active():
        return None
    _end_claim(claim, at=timezone.now(), reason=ReviewClaim.Release.RELEASED)
    return claim


# --- Step 1: transcription -----------------------------------------------------------------


def _record_evaluation(*, locked: Prescription, transcription: Transcription, actor, now):
    facts = facts_for_prescription(stage=Stage.VERIFY, prescription=locked, transcription=transcription, moment=now)
    evaluation = evaluate_and_record(facts=facts, subject=subject_for(locked), actor=actor)
    transcription.latest_evaluation = evaluation
    transcription.evaluated_version = transcription.version
    transcription.save(update_fields=["latest_evaluation", "evaluated_version"])
    return facts, evaluation


@transaction.atomic
def save_transcription(
    *,
    prescription: Prescription,
    user,
    data: TranscriptionData,
    expected_version: int,
    ip_address: str | None = None,
) -> Transcription:
    """Store what the document says (step 1) and run the rules on it.

    ``expected_version`` is the transcription version the form showed; if
    someone saved in between, ``StaleForm``. Every change leaves one
    ``TranscriptionChange`` with the old and new value of each field changed.
    """
    if not may_transcribe(user):
        raise NotPermitted("You may not transcribe prescriptions.")
    locked = _lock(prescription)
    if locked.status not in TRANSCRIBABLE:
        raise ReviewError(
            f"Prescription {locked.reference} is “{locked.get_status_display()}”: "
            "its transcription can no longer change."
        )
    now = timezone.now()
    _require_claim(locked, user, now)
    transcription, _ = Transcription.objects.get_or_create(prescription=locked, defaults={"created_at": now})
    if transcription.version != expected_version:
        raise StaleForm(
            "Someone saved this transcription after you opened it: check the current values and save again."
        )
    new = data.cleaned()
    changes = {}
    for name in TRANSCRIBED_FIELDS:
        old_value, new_value = _jsonable(getattr(transcription, name)), _jsonable(new[name])
        if old_value in ("", None) and new_value in ("", None):
            continue
        if old_value != new_value:
            changes[name] = {"old": old_value, "new": new_value}
    if changes.keys() & PHARMACIST_ONLY_FIELDS and not is_licensed_pharmacist(user):
        raise NotPermitted("Only a pharmacist may record completing a missing element after calling the prescriber.")
    if changes:
        for name in TRANSCRIBED_FIELDS:
            setattr(transcription, name, new[name])
        transcription.version += 1
        transcription.updated_at = now
        transcription.updated_by = user
        transcription.save()
        TranscriptionChange.objects.create(
            transcription=transcription,
            prescription=locked,
            version=transcription.version,
            changes=changes,
            changed_by=user,
            changed_by_name=name_of(user),
            changed_at=now,
            ip_address=ip_address,
        )
    if changes or not transcription.is_evaluated:
        _record_evaluation(locked=locked, transcription=transcription, actor=user, now=now)
    return transcription


@transaction.atomic
def evaluate_transcription(*, prescription: Prescription, user) -> ComplianceEvaluation:
    """Run the rules again on the current transcription (e.g. the next day); returns the stored evaluation."""
    if not may_transcribe(user):
        raise NotPermitted("You may not run the checks.")
    locked = _lock(prescription)
    now = timezone.now()
    _require_claim(locked, user, now)
    transcription = Transcription.objects.filter(prescription=locked).first()
    if transcription is None or transcription.version == 0:
        raise ReviewError("Transcribe the prescription first.")
    return _record_evaluation(locked=locked, transcription=transcription, actor=user, now=now)[1]


# --- Step 2: decisions ---------------------------------------------------------------------


def _snapshot(transcription: Transcription | None) -> dict:
    if transcription is None:
        return {}
    return {name: _jsonable(getattr(transcription, name)) for name in TRANSCRIBED_FIELDS}


def verify_prescription(
    *,
    prescription: Prescription,
    pharmacist,
    expected_version: int,
    warning_overrides: Mapping[str, str],
    note: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ReviewDecision:
    """The pharmacist verifies: the rules run again now, on exactly the
    transcription the pharmacist saw (``expected_version``), and the result is
    stored. Verified only with no BLOCK and an override reason for every WARN
    and every drug-utilisation BLOCK (``warning_overrides``: rule id → reason;
    ``compliance.core.needs_documented_override``). The authorised quantity per fill,
    refills and last fill date are written onto the prescription for the
    checkout gate. Raises ``VerificationRefused`` (the evaluation stays stored
    as evidence of what was refused), ``NotPermitted``, ``ClaimRequired``,
    ``ClaimedByAnother``, ``StaleForm`` or ``ReviewError``.
    """
    _require_pharmacist(pharmacist, "verify")
    with transaction.atomic():
        locked = _lock(prescription)
        if locked.status != S.IN_REVIEW:
            raise ReviewError(
                f"Prescription {locked.reference} is “{locked.get_status_display()}”: it cannot be verified now."
            )
        now = timezone.now()
        claim = _require_claim(locked, pharmacist, now)
        transcription = Transcription.objects.filter(prescription=locked).first()
        if transcription is None or transcription.version == 0:
            raise ReviewError("Transcribe the prescription (step 1) before verifying it.")
        if transcription.version != expected_version:
            raise StaleForm("The transcription changed after you loaded the page: review the new values and findings.")
        if not same_person_may_transcribe_and_verify() and (
            TranscriptionChange.objects.filter(prescription=locked, changed_by=pharmacist).exists()
        ):
            raise NotPermitted("You transcribed this prescription, so another pharmacist must verify it.")
        facts, evaluation = _record_evaluation(locked=locked, transcription=transcription, actor=pharmacist, now=now)
        findings = evaluation.findings  # the product match is one of the rules (compliance.core.product_rules)
        # A drug-utilisation BLOCK (a contraindication, an allergy) is the
        # pharmacist's to override with a documented reason; every other BLOCK stands.
        blocks = [f for f in findings if f.severity is Severity.BLOCK and not needs_documented_override(f)]
        warnings = [f for f in findings if f.severity is Severity.WARN or needs_documented_override(f)]
        reasons = {key: (value or "").strip() for key, value in warning_overrides.items()}
        missing = [f for f in warnings if not reasons.get(f.rule_id)]
        if blocks or missing:
            refused = VerificationRefused(evaluation=evaluation, blocks=blocks, missing_overrides=missing)
        else:
            refused = None
            customer_entered = {"quantity": locked.quantity, "refills_authorized": locked.refills_authorized}
            expires_on = last_day_to_fill(facts, compliance_config())
            locked.quantity = transcription.quantity
            locked.refills_authorized = transcription.refills
            locked.expires_on = expires_on
            locked.save(update_fields=["quantity", "refills_authorized", "expires_on", "updated_at"])
            overrides = [
                {
                    "rule_id": f.rule_id,
                    "severity": f.severity.value,
                    "source": f.source,
                    "message": f.pharmacist_message,
                    "override_reason": reasons[f.rule_id],
                }
                for f in warnings
            ]
            overridden_blocks = [o["rule_id"] for o in overrides if o["severity"] == Severity.BLOCK.value]
            if overridden_blocks:
                summary = (
                    f"Compliance evaluation #{evaluation.pk} (facts {evaluation.fingerprint[:12]}): drug-utilisation "
                    f"block(s) {', '.join(overridden_blocks)} overridden by the pharmacist with a documented reason; "
                    f"{len(overrides) - len(overridden_blocks)} warning(s) overridden with reasons."
                )
            else:
                summary = (
                    f"Compliance evaluation #{evaluation.pk} (facts {evaluation.fingerprint[:12]}) has no blocking "
                    f"finding; {len(overrides)} warning(s) overridden with reasons."
                )
            event = transition_prescription(
                prescription=locked,
                to_status=S.VERIFIED,
                actor=pharmacist,
                reason_code="verified",
                reason=f"{summary} {note.strip()}".strip(),
            )
            decision = ReviewDecision.objects.create(
                prescription=locked,
                event=event,
                outcome=Outcome.VERIFIED,
                reason_code="verified",
                note=note.strip(),
                evaluation=evaluation,
                evaluation_fingerprint=evaluation.fingerprint,
                warning_overrides=overrides,
                transcription_version=transcription.version,
                transcription_snapshot={**_snapshot(transcription), "customer_entered": customer_entered},
                quantity_authorized=transcription.quantity,
                refills_authorized=transcription.refills,
                expires_on=expires_on,
                decided_by=pharmacist,
                decided_by_name=name_of(pharmacist),
                decided_at=now,
                ip_address=ip_address,
                user_agent=user_agent[:255],
            )
            _end_claim(claim, at=now, reason=ReviewClaim.Release.DECIDED)
    if refused is not None:
        # Raised after the block commits, so the refused evaluation is kept.
        raise refused
    prescription.refresh_from_db()
    return decision


def _decide(
    *,
    prescription: Prescription,
    pharmacist,
    outcome: str,
    from_statuses,
    reason_code: str,
    message_to_customer: str,
    note: str,
    ip_address: str | None,
    user_agent: str,
) -> ReviewDecision:
    locked = _lock(prescription)
    if locked.status not in from_statuses:
        raise ReviewError(
            f"Prescription {locked.reference} is “{locked.get_status_display()}”: "
            f"it cannot be marked “{Outcome(outcome).label}” now."
        )
    now = timezone.now()
    claim = _require_claim(locked, pharmacist, now)
    if not message_to_customer.strip():
        raise ReviewError("Write the message the customer will read.")
    transcription = Transcription.objects.filter(prescription=locked).select_related("latest_evaluation").first()
    evaluation = transcription.latest_evaluation if transcription is not None else None
    event = transition_prescription(
        prescription=locked,
        to_status=outcome,
        actor=pharmacist,
        reason_code=reason_code,
        reason=note,
        message_to_customer=message_to_customer,
    )
    decision = ReviewDecision.objects.create(
        prescription=locked,
        event=event,
        outcome=outcome,
        reason_code=reason_code,
        note=note.strip(),
        message_to_customer=message_to_customer.strip(),
        evaluation=evaluation,
        evaluation_fingerprint=evaluation.fingerprint if evaluation is not None else "",
        transcription_version=transcription.version if transcription is not None else None,
        transcription_snapshot=_snapshot(transcription),
        decided_by=pharmacist,
        decided_by_name=name_of(pharmacist),
        decided_at=now,
        ip_address=ip_address,
        user_agent=user_agent[:255],
    )
    _end_claim(claim, at=now, reason=ReviewClaim.Release.DECIDED)
    prescription.refresh_from_db()
    return decision


@transaction.atomic
def reject_prescription(
    *,
    prescription: Prescription,
    pharmacist,
    reason_code: str,
    message_to_customer: str,
    note: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ReviewDecision:
    """The pharmacist rejects, with a coded reason (``RejectionReason``) and a
    message to the customer; "other" needs a note."""
    _require_pharmacist(pharmacist, "reject")
    if reason_code not in RejectionReason.values:
        raise ReviewError("Choose a reason for the rejection.")
    if reason_code == RejectionReason.OTHER and not note.strip():
        raise ReviewError("Explain the reason in the note when you choose “Other”.")
    return _decide(
        prescription=prescription,
        pharmacist=pharmacist,
        outcome=Outcome.REJECTED,
        from_statuses=REJECTABLE,
        reason_code=reason_code,
        message_to_customer=message_to_customer,
        note=note,
        ip_address=ip_address,
        user_agent=user_agent,
    )


@transaction.atomic
def request_information(
    *,
    prescription: Prescription,
    pharmacist,
    question: str,
    note: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ReviewDecision:
    """The pharmacist asks the customer a question; the prescription waits for the answer."""
    _require_pharmacist(pharmacist, "ask about")
    return _decide(
        prescription=prescription,
        pharmacist=pharmacist,
        outcome=Outcome.INFO_REQUESTED,
        from_statuses=frozenset({S.IN_REVIEW}),
        reason_code="info_requested",
        message_to_customer=question,
        note=note,
        ip_address=ip_address,
        user_agent=user_agent,
    )


# --- Transfer in: taken over from another pharmacy ----------------------------------------------


@dataclasses.dataclass(frozen=True, kw_only=True)
class TransferredPrescription:
    """The prescription as the transferring pharmacist read it out on the call, with the
    product we sell for it. ``fills_remaining`` is what the other pharmacy has left on it
    (1 + ``refills_authorized`` when it was never filled there)."""

    patient: Patient
    product: object  # catalogue.Product
    quantity: int
    days_supply: int
    directions: str
    prescriber_name: str
    prescriber_phone: str
    prescriber_address: str
    prescriber_npi: str
    prescriber_dea_number: str = ""
    date_written: datetime.date
    refills_authorized: int
    fills_remaining: int


def _needing_reason(findings) -> tuple[list[Finding], list[Finding]]:
    """The BLOCKs that stand, and the findings a pharmacist may override with a documented reason."""
    blocks = [f for f in findings if f.severity is Severity.BLOCK and not needs_documented_override(f)]
    warnings = [f for f in findings if f.severity is Severity.WARN or needs_documented_override(f)]
    return blocks, warnings


@transaction.atomic
def verify_transferred_prescription(
    *,
    transferred: TransferredPrescription,
    pharmacist,
    transferred_from: str,
    warning_overrides: Mapping[str, str],
    note: str = "",
    ip_address: str | None = None,
    user_agent: str = "",
) -> ReviewDecision:
    """The pharmacist who took a prescription over from another pharmacy transcribed it on the
    call; the rules run on that transcription now (Stage.VERIFY, as at any verification) and,
    with no BLOCK and a reason for every WARN and drug-utilisation BLOCK, the prescription is
    created "verified" by that pharmacist: its fills used so that the fills left are the ones
    transferred, its last fill date by the same rules as any verification (from the original
    date written). The transcription, the stored evaluation and the decision are recorded as
    for a verification; the event says where it came from (``transferred_from``). Otherwise
    ``TransferBlocked`` and nothing is created (no evaluation is stored: it would be about no
    prescription)."""
    _require_pharmacist(pharmacist, "verify")
    product, patient = transferred.product, transferred.patient
    info = drug_info(product)
    if not info.requires_prescription:
        raise ReviewError(f"{product.get_title()} does not need a prescription: choose the prescription medicine.")
    refills = transferred.refills_authorized
    if transferred.quantity < 1 or transferred.days_supply < 1:
        raise ReviewError("The quantity and the days' supply must be at least 1.")
    if refills < 0 or not 1 <= transferred.fills_remaining <= 1 + refills:
        raise ReviewError(
            f"Fills remaining must be between 1 and {1 + max(refills, 0)} (the first fill and {refills} refill(s))."
        )
    now = timezone.now()
    values = TranscriptionData(
        prescriber_name=transferred.prescriber_name,
        prescriber_address=transferred.prescriber_address,
        prescriber_npi=transferred.prescriber_npi,
        prescriber_dea_number=transferred.prescriber_dea_number,
        drug_name=info.active_ingredient or product.get_title(),
        strength=info.strength,
        dosage_form=info.dosage_form,
        quantity=transferred.quantity,
        days_supply=transferred.days_supply,
        directions=transferred.directions,
        refills=refills,
        date_written=transferred.date_written,
        # The signed original stays at the transferring pharmacy (21 CFR 1306.25(b)).
        signature_present=True,
        completion_note=f"Transferred in from {transferred_from}: the signed original is held there.",
    ).cleaned()
    record = {
        "patient": patient,
        "product": product,
        "drug_name": (info.active_ingredient or product.get_title())[:255],
        "strength": info.strength[:100],
        "dosage_form": info.dosage_form[:100],
        "quantity": transferred.quantity,
        "refills_authorized": refills,
        "fills_used": 1 + refills - transferred.fills_remaining,
        "prescriber_name": values["prescriber_name"],
        "prescriber_phone": transferred.prescriber_phone.strip(),
        "prescriber_address": values["prescriber_address"],
    }
    # The rules judge the prescription as it is about to be recorded (not saved yet, and not yet
    # verified, as at any verification: a blocked transfer leaves nothing behind).
    draft = Prescription(customer=patient.account, **record)
    facts = facts_for_prescription(
        stage=Stage.VERIFY, prescription=draft, transcription=Transcription(**values), moment=now
    )
    config = compliance_config()
    findings = evaluate(facts, config=config)
    blocks, warnings = _needing_reason(findings)
    reasons = {key: (value or "").strip() for key, value in warning_overrides.items()}
    missing = [f for f in warnings if not reasons.get(f.rule_id)]
    if blocks or missing:
        raise TransferBlocked(findings=list(findings), blocks=blocks, missing_overrides=missing)

    expires_on = last_day_to_fill(facts, config)
    prescription, event = create_transferred_prescription(
        customer=patient.account,
        pharmacist=pharmacist,
        reason=f"Transferred in from {transferred_from} by {name_of(pharmacist)}.",
        expires_on=expires_on,
        **record,
    )
    evaluation = evaluate_and_record(
        facts=facts, subject=subject_for(prescription), actor=pharmacist, findings=findings
    )
    transcription = Transcription.objects.create(
        prescription=prescription,
        **values,
        version=1,
        latest_evaluation=evaluation,
        evaluated_version=1,
        created_at=now,
        updated_at=now,
        updated_by=pharmacist,
    )
    TranscriptionChange.objects.create(
        transcription=transcription,
        prescription=prescription,
        version=1,
        changes={
            name: {"old": None, "new": _jsonable(values[name])}
            for name in TRANSCRIBED_FIELDS
            if values[name] not in ("", None, [])
        },
        changed_by=pharmacist,
        changed_by_name=name_of(pharmacist),
        changed_at=now,
        ip_address=ip_address,
    )
    overrides = [
        {
            "rule_id": f.rule_id,
            "severity": f.severity.value,
            "source": f.source,
            "message": f.pharmacist_message,
            "override_reason": reasons[f.rule_id],
        }
        for f in warnings
    ]
    decision = ReviewDecision.objects.create(
        prescription=prescription,
        event=event,
        outcome=Outcome.VERIFIED,
        reason_code="transferred_in",
        note=note.strip(),
        evaluation=evaluation,
        evaluation_fingerprint=evaluation.fingerprint,
        warning_overrides=overrides,
        transcription_version=1,
        transcription_snapshot={
            **_snapshot(transcription),
            "transferred": {"from": transferred_from, "fills_remaining": transferred.fills_remaining},
        },
        quantity_authorized=transferred.quantity,
        refills_authorized=refills,
        expires_on=expires_on,
        decided_by=pharmacist,
        decided_by_name=name_of(pharmacist),
        decided_at=now,
        ip_address=ip_address,
        user_agent=user_agent[:255],
    )
    email_customer_on_commit(event)
    return decision


# --- The inspector --------------------------------------------------------------------------


@transaction.atomic
def record_history_export(
    *,
    prescription: Prescription,
    user,
    row_count: int,
    sha256: str,
    ip_address: str | None = None,
) -> AuditExport:
    """An export of a prescription's history left the system (append-only log)."""
    if not may_view_audit_trail(user):
        raise NotPermitted("You may not export the history of a prescription.")
    return AuditExport.objects.create(
        prescription=prescription,
        exported_by=user,
        exported_by_name=name_of(user),
        ip_address=ip_address,
        row_count=row_count,
        sha256=sha256,
    )
