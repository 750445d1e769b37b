"""What the prescription services refuse with: one base, ``PrescriptionError``,
whose ``message`` the storefront and the workspace show as it is."""
from __future__ import annotations

from django.utils import timezone

from ..models import PrescriptionFile


class PrescriptionError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class TransitionNotAllowed(PrescriptionError):
    pass


class DuplicateFile(PrescriptionError):
    """The customer already uploaded this exact file; ``existing`` is it."""

    def __init__(self, existing: PrescriptionFile):
        self.existing = existing
        name = existing.original_name or "This file"
        uploaded = timezone.localtime(existing.uploaded_at)
        super().__init__(
            f"“{name}” is already on file with prescription {existing.prescription.reference} "
            f"(uploaded {uploaded:%B} {uploaded.day}, {uploaded.year}); it was not stored again."
        )


class CannotAttach(PrescriptionError):
    pass
