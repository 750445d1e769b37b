"""A prescription's files: storing the customer's uploads, the virus scan's
verdict, and the log of who on the staff opened which file."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Sequence

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone

from infra.outbox import enqueue

from .. import clamav
from ..models import Prescription, PrescriptionFile, PrescriptionFileAccess, ScanStatus, private_storage
from ..uploads import AcceptedFile
from .exceptions import DuplicateFile
from .notifications import email_file_removed_on_commit
from .status import User

logger = logging.getLogger(__name__)


def refuse_duplicates(*, customer: User, files: Sequence[AcceptedFile]) -> None:
    """Raise ``DuplicateFile`` if the customer already uploaded one of ``files``."""
    existing = (
        PrescriptionFile.objects.filter(customer=customer, sha256__in=[f.sha256 for f in files])
        .select_related("prescription")
        .order_by("uploaded_at")
        .first()
    )
    if existing is not None:
        raise DuplicateFile(existing)


def store_files(*, prescription: Prescription, files: Sequence[AcceptedFile]) -> list[PrescriptionFile]:
    """Write the accepted bytes to private storage under random names.

    If anything fails, the bytes written so far are deleted again.
    """
    storage = private_storage()
    scanning = clamav.scanner_configured()
    stored_names: list[str] = []
    created: list[PrescriptionFile] = []
    seen: set[str] = set()
    try:
        for accepted in files:
            if accepted.sha256 in seen:  # the same file twice in one upload
                continue
            seen.add(accepted.sha256)
            name = storage.save(f"prescriptions/{uuid.uuid4().hex}.{accepted.extension}", ContentFile(accepted.data))
            stored_names.append(name)
            with transaction.atomic():
                created.append(
                    PrescriptionFile.objects.create(
                        prescription=prescription,
                        customer_id=prescription.customer_id,
                        stored_name=name,
                        original_name=accepted.original_name,
                        kind=accepted.kind,
                        content_type=accepted.content_type,
                        size=len(accepted.data),
                        page_count=accepted.page_count,
                        width=accepted.width,
                        height=accepted.height,
                        sha256=accepted.sha256,
                        stored_sha256=accepted.stored_sha256,
                        scan_status=ScanStatus.PENDING if scanning else ScanStatus.NOT_SCANNED,
                        scan_detail="" if scanning else clamav.scanner_description(),
                    )
                )
    except IntegrityError:
        delete_stored(stored_names)
        # Uploaded twice at the same moment: the other upload won.
        existing = (
            PrescriptionFile.objects.filter(customer_id=prescription.customer_id, sha256__in=list(seen))
            .select_related("prescription")
            .first()
        )
        if existing is not None:
            raise DuplicateFile(existing) from None
        raise
    except BaseException:
        delete_stored(stored_names)
        raise
    if scanning:
        for prescription_file in created:
            file_id = prescription_file.pk
            enqueue("prescriptions.tasks.scan_prescription_file", file_id)  # a lost scan would leave the file pending
    return created


def delete_stored(names: Sequence[str]) -> None:
    """Delete stored files by name, best effort (a failure is logged)."""
    storage = private_storage()
    for name in names:
        try:
            storage.delete(name)
        except Exception:  # pragma: no cover - best effort, logged
            logger.exception("Could not delete stored prescription file %s", name)


# --- Virus scanning ------------------------------------------------------------------------------


@transaction.atomic
def record_scan_result(
    *, prescription_file: PrescriptionFile, infected: bool, signature: str = "", detail: str = ""
) -> PrescriptionFile:
    """Record clamd's verdict. An infected file's bytes are deleted (after
    commit) and the customer is told; the record stays, for the audit."""
    locked = PrescriptionFile.objects.select_for_update().get(pk=prescription_file.pk)
    if locked.scan_status != ScanStatus.PENDING:
        return locked  # already decided: the task ran twice
    locked.scanned_at = timezone.now()
    if infected:
        stored_name = locked.stored_name
        locked.scan_status = ScanStatus.INFECTED
        locked.scan_detail = (signature or detail or "virus found")[:255]
        locked.stored_name = ""
        locked.save(update_fields=["scan_status", "scan_detail", "stored_name", "scanned_at"])
        file_id = locked.pk
        transaction.on_commit(lambda: delete_stored([stored_name]))
        email_file_removed_on_commit(file_id)
    else:
        locked.scan_status = ScanStatus.CLEAN
        locked.scan_detail = (detail or "clamd: OK")[:255]
        locked.save(update_fields=["scan_status", "scan_detail", "scanned_at"])
    return locked


@transaction.atomic
def record_scan_problem(*, prescription_file: PrescriptionFile, detail: str) -> None:
    """The scanner gave no verdict: the file stays pending, and staff can see why."""
    PrescriptionFile.objects.filter(pk=prescription_file.pk, scan_status=ScanStatus.PENDING).update(
        scan_detail=detail[:255]
    )


# --- Audit: who opened a file -----------------------------------------------------------------------


@transaction.atomic
def record_file_access(
    *, prescription_file: PrescriptionFile, user: User, ip_address: str | None, user_agent: str = ""
) -> PrescriptionFileAccess:
    """A member of pharmacy staff opened a prescription file (append-only log)."""
    return PrescriptionFileAccess.objects.create(
        file=prescription_file,
        user=user,
        ip_address=ip_address,
        user_agent=user_agent[:255],
    )
