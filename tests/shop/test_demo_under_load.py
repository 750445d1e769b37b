"""The demo under concurrent use, against a real server process on a real SQLite file:
webhooks arriving while pages write never meet "database is locked"; stopping the demo
stops everything it started."""

from __future__ import annotations

import concurrent.futures
import hashlib
import hmac
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "whsec_load_test"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _port_is_free(port: int) -> bool:
    """Nothing listens there any more (a bind could still fail on TIME_WAIT leftovers)."""
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError:
        return True
    return False


def _wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def _env(tmp_path: Path, **extra) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DATABASE_URL", "DJANGO_"))}
    env.update(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'demo.sqlite3'}",
            "RXSHOP_VAR_DIR": str(tmp_path / "var"),
            "STRIPE_WEBHOOK_SECRET": SECRET,
            "DJANGO_SETTINGS_MODULE": "shop.settings",
            "PYTHONUNBUFFERED": "1",
            **extra,
        }
    )
    return env


def _webhook(port: int, number: int) -> int:
    payload = json.dumps(
        {
            "id": f"evt_load_{number}",
            "object": "event",
            "type": "payment_intent.amount_capturable_updated",
            "created": int(time.time()),
            "api_version": "2017-08-15",
            "data": {
                "object": {
                    "id": f"pi_unknown_{number}",
                    "object": "payment_intent",
                    "status": "requires_capture",
                    "amount": 1000,
                    "currency": "usd",
                }
            },
        }
    )
    timestamp = int(time.time())
    digest = hmac.new(SECRET.encode(), f"{timestamp}.{payload}".encode(), hashlib.sha256).hexdigest()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/stripe/webhook/",
        data=payload.encode(),
        method="POST",
        headers={"Content-Type": "application/json", "Stripe-Signature": f"t={timestamp},v1={digest}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _page_that_writes(port: int, number: int) -> int:
    """The basket page stores the anonymous basket and a session for a new visitor."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/basket/", timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.slow
def test_webhooks_and_page_writes_at_once_on_sqlite_never_lock(tmp_path):
    env = _env(tmp_path)
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True)
    port = _free_port()
    log = open(tmp_path / "server.log", "wb")
    server = subprocess.Popen(
        [sys.executable, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/basket/")
        # Eight at a time: the development server's listen backlog is small, and eight
        # concurrent writers are plenty for SQLite to refuse a lock it cannot wait for.
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            hooks = [pool.submit(_webhook, port, n) for n in range(40)]
            pages = [pool.submit(_page_that_writes, port, n) for n in range(20)]
            statuses = [f.result() for f in hooks + pages]
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()
    server_log = (tmp_path / "server.log").read_text(errors="replace")
    assert "database is locked" not in server_log
    assert all(status < 500 for status in statuses), (statuses, server_log[-3000:])
    assert all(status == 200 for status in statuses[:40]), statuses


def test_stopping_the_demo_launcher_stops_localstripe_and_the_command(tmp_path):
    """SIGTERM to ``python -m payments.localstripe_server`` (what stopping ``make demo``
    does) ends the command it runs, localstripe and itself, and frees localstripe's port."""
    port = _free_port()
    env = _env(tmp_path, STRIPE_API_BASE=f"http://127.0.0.1:{port}")
    launcher = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "payments.localstripe_server",
            "--",
            sys.executable,
            "-c",
            "import os, time; print('command', os.getpid(), flush=True); time.sleep(120)",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        command_pid = None
        deadline = time.monotonic() + 90
        while command_pid is None and time.monotonic() < deadline:
            line = launcher.stdout.readline()
            if not line:
                break
            if line.startswith("command "):
                command_pid = int(line.split()[1])
        assert command_pid is not None, "the command did not start"
        assert not _port_is_free(port)  # localstripe listens

        launcher.send_signal(signal.SIGTERM)
        assert launcher.wait(timeout=30) != 0
    finally:
        if launcher.poll() is None:
            launcher.kill()
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (_alive(command_pid) or not _port_is_free(port)):
        time.sleep(0.2)
    assert not _alive(command_pid), "the command outlived the launcher"
    assert _port_is_free(port), "localstripe outlived the launcher"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is dead but not yet reaped by its (gone) parent.
    try:
        return Path(f"/proc/{pid}/stat").read_text().split()[2] != "Z"
    except OSError:
        return False
