"""What the pharmacy domain refuses with: one tree under ``PrescriptionsError``.

Each error's ``str(exc)`` is a sentence for the customer or the pharmacy's staff, and
``exc.code`` a stable code (``infra.errors.RxshopError``). Services raise them; views show
them with ``infra.errors.show_error``. Broken invariants (``StatusChangeOutsideService``,
``AppendOnlyError`` in ``prescriptions.models``) are ``RuntimeError``s and never caught.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone
from oscar.apps.order.exceptions import InvalidLineStatus, InvalidOrderStatus

from infra.errors import RxshopError

if TYPE_CHECKING:
    from compliance.core import Finding


class PrescriptionsError(RxshopError):
    """Base of every refusal of the pharmacy domain."""

    code = "prescriptions"


# --- Prescriptions: upload, status, files, basket ----------------------------------------


class PrescriptionError(PrescriptionsError):
    """A prescription action refused (the storefront and the workspace show it as it is)."""

    code = "prescription_refused"


class TransitionNotAllowed(PrescriptionError):
    code = "prescription_transition_not_allowed"
    http_status = 409


class DuplicateFile(PrescriptionError):
    """The customer already uploaded this exact file; ``existing`` is it."""

    code = "duplicate_file"

    def __init__(self, existing) -> None:
        self.existing = existing
        name = existing.original_name or "This file"
        uploaded = timezone.localtime(existing.uploaded_at)
        super().__init__(
            f"“{name}” is already on file with prescription {existing.prescription.reference} "
            f"(uploaded {uploaded:%B} {uploaded.day}, {uploaded.year}); it was not stored again."
        )


class CannotAttach(PrescriptionError):
    code = "cannot_attach"


class RefillRefused(PrescriptionError):
    """The Refill button's action refused: ``str(exc)`` says why, for the customer."""

    code = "refill_refused"
    http_status = 409


class AutoRefillRefused(PrescriptionError):
    """Automatic refills cannot be turned on (or run) for this prescription; ``str(exc)`` says why."""

    code = "auto_refill_refused"
    http_status = 409


class TransferRefused(PrescriptionsError):
    """A transfer-in request cannot be recorded or completed; ``str(exc)`` says why."""

    code = "transfer_refused"
    http_status = 409


class TransferBlocked(TransferRefused):
    """The rules, run on the transferred prescription as the pharmacist transcribed it, stop
    it (``blocks``) or want a reason for a warning (``missing_overrides``): nothing was
    created. ``findings`` are every finding of that evaluation, for the pharmacist's screen."""

    code = "transfer_blocked"

    def __init__(self, *, findings: list[Finding], blocks: list[Finding], missing_overrides: list[Finding]) -> None:
        self.findings = findings
        self.blocks = blocks
        self.missing_overrides = missing_overrides
        parts = [f"{f.pharmacist_message} ({f.source})" for f in blocks]
        if missing_overrides:
            parts.append(
                "Give a reason for overriding each warning: "
                + ", ".join(sorted({f.rule_id for f in missing_overrides}))
                + "."
            )
        super().__init__("Not transferred. " + " ".join(parts))


class UploadRefused(PrescriptionsError):
    """An uploaded file is refused (type, size, content); ``code`` says which check."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)


# --- The pharmacist's review -------------------------------------------------------------


class ReviewError(PrescriptionsError):
    code = "review_refused"


class NotPermitted(ReviewError):
    """The user's role does not allow this (the views answer 403)."""

    code = "not_permitted"
    http_status = 403


class ClaimRequired(ReviewError):
    """Nobody, or not this user, holds an active claim."""

    code = "claim_required"
    http_status = 409


class ClaimedByAnother(ReviewError):
    code = "claimed_by_another"
    http_status = 409

    def __init__(self, claim) -> None:
        self.claim = claim
        until = timezone.localtime(claim.expires_at)
        super().__init__(f"{claim.reviewer_name} is working on this prescription (claimed until {until:%H:%M}).")


class StaleForm(ReviewError):
    """The transcription changed since the page was shown."""

    code = "stale_form"
    http_status = 409


class VerificationRefused(ReviewError):
    """Verification was refused; ``evaluation`` (stored) says why."""

    code = "verification_refused"

    def __init__(self, *, evaluation, blocks: list[Finding], missing_overrides: list[Finding]) -> None:
        self.evaluation = evaluation
        self.blocks = blocks
        self.missing_overrides = missing_overrides
        parts = []
        if blocks:
            parts.append(f"{len(blocks)} blocking finding(s) stand: " + " ".join(f.pharmacist_message for f in blocks))
        if missing_overrides:
            parts.append(
                "Give a reason for overriding each warning: "
                + ", ".join(sorted({f.rule_id for f in missing_overrides}))
                + "."
            )
        super().__init__("Not verified. " + " ".join(parts))


class TrackingNumberInvalid(PrescriptionsError):
    """``str(exc)`` tells staff what the carrier's numbers look like."""

    code = "tracking_number_invalid"


# --- Dispensing and the order-status door ------------------------------------------------


class DispenseRefused(PrescriptionsError):
    """The dispense cannot go ahead; ``str(exc)`` says why, for the pharmacist."""

    code = "dispense_refused"


class FillRefused(DispenseRefused):
    """A scan or keyed NDC at fill that cannot be recorded as a pack (who may, what is missing)."""

    code = "fill_refused"


class ScanUnreadable(FillRefused):
    """The scanner's string is not a readable GS1 pack code (check digit, separator, AIs)."""

    code = "scan_unreadable"


class StatusRefused(PrescriptionsError):
    """The order-status door refuses a change; ``str(exc)`` says why, for staff or the customer."""

    code = "status_refused"
    http_status = 409


class OrderStatusRefused(StatusRefused, InvalidOrderStatus):
    """An order's status change refused (oscar's own views catch ``InvalidOrderStatus`` too)."""

    code = "order_status_refused"


class LineStatusRefused(StatusRefused, InvalidLineStatus):
    """An order line's status change refused."""

    code = "line_status_refused"


class NdcDirectoryError(PrescriptionsError):
    """The files given to ``import_ndc_directory`` are not an NDC Directory in the FDA's format."""

    code = "ndc_directory_unreadable"
