"""Stored files that no prescription file record names, and their sweep."""

from __future__ import annotations

import datetime
import logging

from django.utils import timezone

from ..models import PrescriptionFile, private_storage
from .files import delete_stored

logger = logging.getLogger(__name__)

ORPHAN_GRACE = datetime.timedelta(hours=1)


def delete_orphan_files(*, now: datetime.datetime | None = None) -> list[str]:
    """Delete stored files that no prescription file record names.

    Files are written before their record commits; when the request's transaction
    rolls back after that (or the process dies) the bytes stay behind with nothing
    pointing at them, medical data that nobody can see or delete. Only files older than
    ``ORPHAN_GRACE`` go, so an upload still in its transaction is never touched.
    Returns the names deleted.
    """
    now = now or timezone.now()
    storage = private_storage()
    try:
        _dirs, names = storage.listdir("prescriptions")
    except FileNotFoundError:
        return []
    candidates = [f"prescriptions/{name}" for name in names]
    known = set(PrescriptionFile.objects.filter(stored_name__in=candidates).values_list("stored_name", flat=True))
    deleted = []
    for name in candidates:
        if name in known:
            continue
        try:
            if now - storage.get_modified_time(name) < ORPHAN_GRACE:
                continue
        except FileNotFoundError:  # gone meanwhile
            continue
        delete_stored([name])
        deleted.append(name)
    if deleted:
        logger.warning("Deleted %d stored prescription file(s) that no record names", len(deleted))
    return deleted
