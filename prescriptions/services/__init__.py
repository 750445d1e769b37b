"""Business actions on prescriptions (STYLE.md 3 and 4), one module per concern.

Every function takes keyword-only arguments and the acting user, runs in one
transaction, writes its audit record and queues Celery work by task name
through the outbox (``infra.outbox.enqueue``), so it happens after commit.

- ``status``: the one door for a prescription's status, ``transition_prescription``
  (checks ``TRANSITIONS``, locks the row, writes one ``PrescriptionEvent``,
  queues the customer's e-mail). The review workspace's actions are thin
  wrappers around it.
- ``submission``: the customer's upload, their own details, their answer to
  the pharmacist.
- ``files``: storing uploaded files, the virus scan's verdict, the staff
  file-access log. ``orphans``: stored bytes that no record names. ``held``: the
  files of an upload form sent back for another field, kept for the retry.
- ``basket``: which prescription covers a basket line; saving the lines that
  cannot be bought now for later.
- ``expiry``: fills that use a prescription up, and expiry.
- ``notifications``: the customer's e-mails, queued by task name.
- ``profile``: the patient's clinical profile (allergies, conditions, medicines
  from elsewhere), a new version at each change.
- ``exceptions``: ``PrescriptionError`` and its subclasses.

Callers import from here (``from prescriptions import services``;
``services.submit_prescription(...)``): the names below are the package's API.
Dependencies between the modules run one way: exceptions, notifications ←
status ← basket, expiry, files; files ← orphans; basket, files, status ← submission.
"""

from __future__ import annotations

from .basket import (
    add_to_basket_with_prescription,
    attach_prescription_to_basket_line,
    save_blocked_prescription_lines_for_later,
)
from .exceptions import CannotAttach, DuplicateFile, PrescriptionError, TransitionNotAllowed
from .expiry import expire_prescriptions, record_fill
from .files import record_file_access, record_scan_problem, record_scan_result
from .held import delete_expired_held_files, held_files, held_names, hold_files, release_held_files
from .orphans import ORPHAN_GRACE, delete_orphan_files
from .profile import AllergyEntry, MedicineEntry, record_patient_profile
from .status import (
    CUSTOMER,
    MESSAGE_REQUIRED,
    PHARMACY,
    REVIEW_PERMISSION,
    SYSTEM,
    TRANSITIONS,
    Role,
    User,
    actor_role,
    transition_prescription,
)
from .submission import (
    PatientDetails,
    PrescriberDetails,
    answer_information_request,
    record_own_details,
    submit_prescription,
)

__all__ = [
    "delete_expired_held_files",
    "held_files",
    "held_names",
    "hold_files",
    "release_held_files",
    "AllergyEntry",
    "MedicineEntry",
    "record_patient_profile",
    "CUSTOMER",
    "MESSAGE_REQUIRED",
    "ORPHAN_GRACE",
    "PHARMACY",
    "REVIEW_PERMISSION",
    "SYSTEM",
    "TRANSITIONS",
    "CannotAttach",
    "DuplicateFile",
    "PatientDetails",
    "PrescriberDetails",
    "PrescriptionError",
    "Role",
    "TransitionNotAllowed",
    "User",
    "actor_role",
    "add_to_basket_with_prescription",
    "answer_information_request",
    "attach_prescription_to_basket_line",
    "delete_orphan_files",
    "expire_prescriptions",
    "record_file_access",
    "record_fill",
    "record_own_details",
    "record_scan_problem",
    "record_scan_result",
    "save_blocked_prescription_lines_for_later",
    "submit_prescription",
    "transition_prescription",
]
