"""The prescription services' errors: defined in ``prescriptions.exceptions`` (the one tree of
the pharmacy domain), named here too for the services' callers."""

from ..exceptions import CannotAttach, DuplicateFile, PrescriptionError, TransitionNotAllowed

__all__ = ("CannotAttach", "DuplicateFile", "PrescriptionError", "TransitionNotAllowed")
