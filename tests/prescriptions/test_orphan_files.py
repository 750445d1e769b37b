"""Bytes written by an upload whose transaction rolled back are not left behind."""

from __future__ import annotations

import datetime

import pytest
from django.db import transaction
from django.utils import timezone

from prescriptions import services
from prescriptions.models import PrescriptionFile, private_storage

from .conftest import submit

pytestmark = pytest.mark.django_db

LATER = datetime.timedelta(hours=2)


def stored_names() -> set[str]:
    try:
        return {f"prescriptions/{n}" for n in private_storage().listdir("prescriptions")[1]}
    except FileNotFoundError:
        return set()


class Boom(Exception):
    pass


def test_an_upload_rolled_back_after_storing_leaves_a_file_the_daily_job_deletes(alice):
    kept = submit(alice).files.get().stored_name
    with pytest.raises(Boom), transaction.atomic():
        submit(alice)
        raise Boom  # e.g. the request fails after the upload, and ATOMIC_REQUESTS rolls it back
    (orphan,) = stored_names() - {kept}
    assert not PrescriptionFile.objects.filter(stored_name=orphan).exists()

    assert services.delete_orphan_files() == []  # within the grace period: maybe still committing
    assert services.delete_orphan_files(now=timezone.now() + LATER) == [orphan]
    assert stored_names() == {kept}
    with private_storage().open(kept, "rb") as handle:
        assert handle.read(4) == b"%PDF"


def test_files_of_every_record_are_kept_whatever_their_age(alice, bob):
    names = {submit(alice).files.get().stored_name, submit(bob).files.get().stored_name}
    assert services.delete_orphan_files(now=timezone.now() + datetime.timedelta(days=3650)) == []
    assert stored_names() == names


def test_nothing_stored_yet_is_nothing_to_do(db):
    assert services.delete_orphan_files() == []
