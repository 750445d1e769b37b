"""Files of an upload the form sent back (another field was wrong), held for the retry.

A browser cannot put files back into a file input, so a customer whose upload form came
back for a missing ZIP code had to find and choose the scan again. The files that passed
the checks are kept in private storage instead; the form carries a signed note of them
(who uploaded them, which stored names, the names they had), good for ``HOLD_FOR``.
On the retry they are read back and checked again (``inspect_bytes``), exactly as a new
upload; once the prescription is submitted they are deleted. Files nobody came back for
are swept by the daily ``delete_orphan_files`` task (``delete_expired_held_files``).
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Sequence

from django.core import signing
from django.core.files.base import ContentFile
from django.utils import timezone

from ..models import private_storage
from ..uploads import AcceptedFile, UploadRefused, inspect_bytes
from .files import delete_stored

HOLD_FOR = datetime.timedelta(hours=2)
FOLDER = "held"
_SALT = "prescriptions.held-upload"


def hold_files(*, customer, files: Sequence[AcceptedFile]) -> str:
    """Store ``files`` for ``customer``'s retry; returns the signed note for the form."""
    storage = private_storage()
    held = []
    for accepted in files:
        name = storage.save(f"{FOLDER}/{uuid.uuid4().hex}.{accepted.extension}", ContentFile(accepted.data))
        held.append([name, accepted.original_name])
    return signing.dumps({"customer": customer.pk, "files": held}, salt=_SALT)


def _note(*, customer, token: str) -> list[list[str]]:
    try:
        note = signing.loads(token, salt=_SALT, max_age=HOLD_FOR)
    except signing.BadSignature:  # also too old (SignatureExpired)
        return []
    if note.get("customer") != customer.pk:
        return []
    return [entry for entry in note.get("files", []) if str(entry[0]).startswith(f"{FOLDER}/")]


def held_files(*, customer, token: str) -> list[AcceptedFile]:
    """The files held under ``token`` for ``customer``, checked again; [] if gone or not theirs."""
    storage = private_storage()
    files = []
    for name, original_name in _note(customer=customer, token=token):
        try:
            with storage.open(name, "rb") as stored:
                data = stored.read()
        except FileNotFoundError:
            return []  # swept meanwhile: the customer chooses the files again
        try:
            files.append(inspect_bytes(data, original_name=original_name))
        except UploadRefused:
            return []
    return files


def held_names(*, customer, token: str) -> list[str]:
    return [original for _name, original in _note(customer=customer, token=token)]


def release_held_files(*, customer, token: str) -> None:
    """The held files are no longer needed (submitted, or replaced by new ones)."""
    delete_stored([name for name, _original in _note(customer=customer, token=token)])


def delete_expired_held_files(*, now: datetime.datetime | None = None) -> list[str]:
    """Held files older than ``HOLD_FOR``: nobody came back for them."""
    now = now or timezone.now()
    storage = private_storage()
    try:
        _dirs, names = storage.listdir(FOLDER)
    except FileNotFoundError:
        return []
    expired = []
    for name in (f"{FOLDER}/{n}" for n in names):
        try:
            if now - storage.get_modified_time(name) >= HOLD_FOR:
                expired.append(name)
        except FileNotFoundError:
            continue
    delete_stored(expired)
    return expired
