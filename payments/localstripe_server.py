"""Run a command (the demo web server) with localstripe beside it.

    python -m payments.localstripe_server -- python manage.py runserver 127.0.0.1:8000

Starts localstripe bound to the loopback address and port of ``STRIPE_API_BASE``
(default http://127.0.0.1:8420; the ``localstripe`` CLI would listen on all
interfaces), waits until it answers, registers rxshop's webhook with
``STRIPE_WEBHOOK_SECRET``, runs the command, and stops localstripe when the
command ends (Ctrl-C included). State is in memory: every demo starts with an
empty Stripe. With ``STRIPE_API_BASE`` empty (real Stripe) it only runs the command.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

WEBHOOK_ID = "rxshop"


def _answers(base: str) -> bool:
    try:
        urllib.request.urlopen(f"{base}/v1/balance", timeout=1)
    except urllib.error.HTTPError:
        return True  # 401 without a key: it is up
    except OSError:
        return False
    return True


def _port_is_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def start(base: str, *, workdir: Path) -> subprocess.Popen:
    parsed = urllib.parse.urlparse(base)
    host, port = parsed.hostname or "127.0.0.1", parsed.port or 8420
    if host not in ("127.0.0.1", "localhost"):
        raise SystemExit(f"STRIPE_API_BASE={base}: the demo runs localstripe on the loopback address only.")
    if not _port_is_free("127.0.0.1", port):
        raise SystemExit(f"Port {port} is busy: stop whatever listens there (an earlier localstripe?) and retry.")
    workdir.mkdir(parents=True, exist_ok=True)
    code = (
        "from aiohttp import web; from localstripe.server import app; "
        f"web.run_app(app, host='127.0.0.1', port={port}, print=None)"
    )
    log = open(workdir / "localstripe.log", "ab")
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(workdir)},  # its pickle of the state goes here
        start_new_session=True,  # Ctrl-C reaches the web server; we stop localstripe ourselves
    )
    deadline = time.monotonic() + 30
    while not _answers(base):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"localstripe did not start; see {workdir / 'localstripe.log'}")
        time.sleep(0.1)
    return process


def register_webhook(base: str, *, url: str, secret: str) -> None:
    data = urllib.parse.urlencode({"url": url, "secret": secret}).encode()
    urllib.request.urlopen(urllib.request.Request(f"{base}/_config/webhooks/{WEBHOOK_ID}", data=data), timeout=5)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhook-url", default="http://127.0.0.1:8000/stripe/webhook/")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="the command to run, after --")
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("give the command to run after --")

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")
    import django
    from django.conf import settings

    django.setup()
    # SIGTERM (systemd, docker, `kill`) ends us like Ctrl-C does: the default action would
    # kill this process on the spot and leave the command and localstripe running.
    signal.signal(signal.SIGTERM, _raise_stopped)
    base = (settings.STRIPE_API_BASE or "").rstrip("/")
    if not base:
        return run_command(command)

    process = start(base, workdir=Path(settings.VAR_DIR) / "localstripe")
    try:
        register_webhook(base, url=args.webhook_url, secret=settings.STRIPE_WEBHOOK_SECRET)
        print(f"localstripe: {base} (test mode, no real card is charged); webhooks to {args.webhook_url}", flush=True)
        return run_command(command)
    finally:
        stop(process)
        print("localstripe stopped.", flush=True)


class Stopped(Exception):
    """SIGTERM or SIGINT reached this process."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def run_command(command: list[str]) -> int:
    """Run the command; on Ctrl-C or SIGTERM stop it (and wait) before returning."""
    signal.signal(signal.SIGINT, _raise_stopped)
    child = subprocess.Popen(command)
    try:
        return child.wait()
    except Stopped as stopped:
        # Ctrl-C in a terminal reaches the whole foreground group, the command included;
        # a SIGTERM sent to us alone is passed on.
        if child.poll() is None:
            child.send_signal(stopped.signum)
        stop(child)
        return 128 + stopped.signum


if __name__ == "__main__":
    sys.exit(main())
