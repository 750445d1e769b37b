"""A real Celery worker is killed in the middle of a task; the task runs again
and completes once (acks_late + reject_on_worker_lost, and an idempotent task).

The task is the virus scan of an uploaded prescription file: a fake clamd
answers nothing to the first scan, the worker's pool process is killed while it
waits (as the OOM killer or a lost machine would), and the redelivered scan
gets "OK". Needs Redis (CELERY_BROKER_URL) and PostgreSQL, which the worker
process shares with the test; CI has both.
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from django.db import connection

from prescriptions.models import ScanStatus
from shop.celery import app as celery_app
from tests.prescriptions.conftest import submit
from tests.review.test_claims import postgres_only

ROOT = Path(__file__).resolve().parents[2]


class StallingClamd:
    """clamd that swallows the first file and never answers; "OK" to every later one."""

    def __init__(self, path: str):
        self.scans_started = 0
        self.first_scan = threading.Event()
        self.server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.server.bind(path)
        self.server.listen(5)
        self.held: list[socket.socket] = []
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.server.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _read(self, conn, n):
        data = b""
        while len(data) < n:
            part = conn.recv(n - len(data))
            if not part:
                raise ConnectionError
            data += part
        return data

    def _handle(self, conn):
        try:
            command = b""
            while not command.endswith(b"\0"):
                command += self._read(conn, 1)
            if command == b"zPING\0":
                conn.sendall(b"PONG\0")
                return conn.close()
            while True:
                (length,) = struct.unpack("!I", self._read(conn, 4))
                if not length:
                    break
                self._read(conn, length)
        except (ConnectionError, OSError):
            return
        self.scans_started += 1
        if self.scans_started == 1:
            self.held.append(conn)  # no verdict: the worker waits here until it is killed
            self.first_scan.set()
            return
        conn.sendall(b"stream: OK\0")
        conn.close()

    def close(self):
        self.server.close()
        for conn in self.held:
            conn.close()


def _pool_processes(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in children.read_text().split()] if children.exists() else []


@pytest.mark.redis
@postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_task_is_redelivered_and_completes_once(alice, settings, tmp_path):
    broker = os.environ["CELERY_BROKER_URL"].rsplit("/", 1)[0] + "/12"  # a Redis db of its own
    clamd = StallingClamd(str(tmp_path / "clamd.sock"))
    settings.CLAMD_SOCKET = str(tmp_path / "clamd.sock")
    private = settings.STORAGES["private"]["OPTIONS"]["location"]
    conf = celery_app.conf
    saved = conf.broker_url, conf.broker_write_url
    conf.broker_url = conf.broker_write_url = broker
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "shop", "purge", "-f"],
        cwd=ROOT,
        capture_output=True,
        env={**os.environ, "CELERY_BROKER_URL": broker},
        timeout=60,
    )
    worker = None
    try:
        prescription = submit(alice)  # committed: its scan task goes to the broker
        prescription_file = prescription.files.get()
        assert prescription_file.scan_status == ScanStatus.PENDING
        db = connection.settings_dict
        env = {
            **os.environ,
            "CELERY_BROKER_URL": broker,
            "CLAMD_SOCKET": settings.CLAMD_SOCKET,
            "PRIVATE_FILES_ROOT": private,
            "RXSHOP_PRIVATE_STORAGE": "local",
            "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT'] or 5432}/{db['NAME']}",
        }
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "shop",
                "worker",
                "--pool=prefork",
                "--concurrency=1",
                "--loglevel=INFO",
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
            ],
            cwd=ROOT,
            env=env,
            stdout=open(tmp_path / "worker.log", "wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        assert clamd.first_scan.wait(90), (tmp_path / "worker.log").read_text()[-3000:]

        pool = _pool_processes(worker.pid)
        assert pool, "no pool process"
        for pid in pool:
            os.kill(pid, signal.SIGKILL)  # the process running the task dies

        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            prescription_file.refresh_from_db()
            if prescription_file.scan_status != ScanStatus.PENDING:
                break
            time.sleep(0.5)
        log = (tmp_path / "worker.log").read_text()
        assert prescription_file.scan_status == ScanStatus.CLEAN, log[-3000:]
        assert "WorkerLostError" in log or "exited prematurely" in log, log[-3000:]
        assert clamd.scans_started == 2  # the first (killed) and the redelivered one; no third
    finally:
        if worker is not None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(worker.pid, signal.SIGKILL)
        clamd.close()
        conf.broker_url, conf.broker_write_url = saved
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
