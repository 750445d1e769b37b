"""Virus scanning with clamd's INSTREAM protocol, against a tiny fake clamd
on a unix socket (issue 4 §2)."""

from __future__ import annotations

import socket
import struct
import threading

import pytest
from django.core import mail

from prescriptions import clamav, services
from prescriptions.models import PrescriptionStatus as S
from prescriptions.models import ScanStatus, private_storage
from prescriptions.tasks import scan_prescription_file

from . import files
from .conftest import stored_files, submit, unique_pdf

pytestmark = pytest.mark.django_db


class FakeClamd:
    """Speaks enough clamd: zPING, and zINSTREAM with length-prefixed chunks.
    Anything containing the EICAR test string is "infected"."""

    def __init__(self, path: str, *, reply: str | None = None):
        self.path = path
        self.reply = reply
        self.streams: list[bytes] = []
        self.commands: list[bytes] = []
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(5)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            with conn:
                self._handle(conn)

    def _read_exact(self, conn, n: int) -> bytes:
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise ConnectionError("client went away")
            data += part
        return data

    def _handle(self, conn):
        command = b""
        while not command.endswith(b"\0"):
            command += self._read_exact(conn, 1)
        self.commands.append(command)
        if command == b"zPING\0":
            conn.sendall(b"PONG\0")
            return
        assert command == b"zINSTREAM\0"
        stream = b""
        while True:
            (length,) = struct.unpack("!I", self._read_exact(conn, 4))
            if length == 0:
                break
            stream += self._read_exact(conn, length)
        self.streams.append(stream)
        if self.reply is not None:
            conn.sendall(self.reply.encode() + b"\0")
        elif files.EICAR in stream:
            conn.sendall(b"stream: Eicar-Test-Signature FOUND\0")
        else:
            conn.sendall(b"stream: OK\0")

    def close(self):
        self.server.close()


@pytest.fixture
def clamd(tmp_path, settings):
    path = str(tmp_path / "clamd.sock")
    server = FakeClamd(path)
    settings.CLAMD_SOCKET = path
    yield server
    server.close()


def test_instream_protocol_against_the_fake_clamd(clamd):
    assert clamav.ping()
    payload = b"A" * (clamav.CHUNK_SIZE * 2 + 17)
    assert clamav.instream([payload]) == clamav.ScanResult(infected=False, reply="stream: OK")
    assert clamd.streams[-1] == payload  # reassembled from several length-prefixed chunks
    infected = clamav.instream([b"prefix ", files.EICAR])
    assert infected.infected and infected.signature == "Eicar-Test-Signature"


def test_clamd_error_reply_is_not_a_verdict(tmp_path, settings):
    path = str(tmp_path / "clamd-error.sock")
    server = FakeClamd(path, reply="INSTREAM size limit exceeded. ERROR")
    settings.CLAMD_SOCKET = path
    try:
        with pytest.raises(clamav.ScannerError, match="size limit"):
            clamav.instream([b"data"])
    finally:
        server.close()


def test_uploaded_file_stays_pending_until_clean(alice, clamd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        prescription = submit(alice)
    prescription_file = prescription.files.get()
    assert prescription_file.scan_status == ScanStatus.PENDING
    assert not prescription_file.is_servable
    for callback in callbacks:  # commit: the scan task and the e-mail run
        callback()
    prescription_file.refresh_from_db()
    assert prescription_file.scan_status == ScanStatus.CLEAN and prescription_file.is_servable
    with private_storage().open(prescription_file.stored_name, "rb") as handle:
        assert clamd.streams == [handle.read()]


def test_pending_file_cannot_be_opened_or_verified(alice_client, alice, pharmacist, clamd):
    prescription = submit(alice)  # on_commit never runs: the scan has not happened yet
    prescription_file = prescription.files.get()
    response = alice_client.get(f"/prescriptions/files/{prescription_file.public_id}/")
    assert response.status_code == 409 and b"virus scan" in response.content
    services.transition_prescription(prescription=prescription, to_status=S.IN_REVIEW, actor=pharmacist)
    with pytest.raises(services.TransitionNotAllowed, match="virus scan"):
        services.transition_prescription(prescription=prescription, to_status=S.VERIFIED, actor=pharmacist)


def test_infected_file_is_deleted_and_the_customer_told(
    alice, alice_client, clamd, private_dir, django_capture_on_commit_callbacks
):
    infected_pdf = unique_pdf().replace(b"\n", b"\n%" + files.EICAR + b"\n", 1)
    with django_capture_on_commit_callbacks(execute=True):
        prescription = submit(alice, data=infected_pdf)
    prescription_file = prescription.files.get()
    assert prescription_file.scan_status == ScanStatus.INFECTED
    assert prescription_file.scan_detail == "Eicar-Test-Signature"
    assert prescription_file.stored_name == ""
    assert stored_files(private_dir) == []
    subjects = [m.subject for m in mail.outbox]
    assert any("was removed" in s for s in subjects)
    page = alice_client.get(f"/prescriptions/{prescription.public_id}/").content.decode()
    assert "a virus was found in this file" in page
    assert alice_client.get(f"/prescriptions/files/{prescription_file.public_id}/").status_code == 409


def test_scan_task_is_safe_to_run_twice(alice, clamd, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        prescription = submit(alice)
    prescription_file = prescription.files.get()
    assert scan_prescription_file(prescription_file.pk) == ScanStatus.CLEAN
    assert len(clamd.streams) == 1  # the second run did not scan again


def test_unreachable_scanner_leaves_the_file_pending_and_retries(alice, settings, tmp_path):
    settings.CLAMD_SOCKET = str(tmp_path / "nobody-listens.sock")
    prescription = submit(alice)
    prescription_file = prescription.files.get()
    with pytest.raises(OSError):
        scan_prescription_file.run(prescription_file.pk)  # Celery retries on OSError
    prescription_file.refresh_from_db()
    assert prescription_file.scan_status == ScanStatus.PENDING


def test_without_a_scanner_the_demo_says_so_to_staff(staff_admin_client, alice):
    prescription = submit(alice)
    assert prescription.files.get().scan_status == ScanStatus.NOT_SCANNED
    html = staff_admin_client.get("/admin/prescriptions/prescriptionfile/").content.decode()
    assert "Not scanned: no virus scanner configured" in html
