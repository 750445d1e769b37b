"""The shop running as in production, for journeys in headless Chromium.

One stack per test session: a fresh database (PostgreSQL from DATABASE_URL in
CI, else a SQLite file), migrated and loaded with the demo shop; static files
collected; localstripe on a free loopback port; uploaded media on a host of
their own (as production serves them); gunicorn with DEBUG=False; a
real Celery worker when CELERY_BROKER_URL is set (CI: Redis, with keys
prefixed for this run: ``tests/e2e/settings.py``), otherwise tasks run in the
web process. E-mails are written to files the tests read.

Screenshots: ``shots(page, step)`` keeps a full-page picture of each step under
``tests/e2e/artifacts/<journey>/``; ``shots(page, step, doc="name")`` also keeps
the visible part for the README. With ``RXSHOP_UPDATE_SCREENSHOTS=1`` (``make
screenshots``) those are copied, small, to ``docs/screenshots/<name>.png`` at
the end of a session in which every journey passed.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
DOCS = ROOT / "docs" / "screenshots"
CHROMIUM = os.environ.get("RXSHOP_CHROMIUM", "/usr/bin/chromium")
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SECRET = "e2e-" + "k7Qp2Lx9Vb4Nz8Rw1Ty6Um3Is5Oa0Pd" * 2


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


def _fresh_database(tmp: Path) -> str:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{tmp / 'e2e.sqlite3'}"
    import psycopg

    parsed = urlparse(url)
    name = f"{parsed.path.lstrip('/') or 'rxshop'}_e2e"
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    return parsed._replace(path=f"/{name}").geturl()


@dataclass
class Stack:
    base_url: str
    env: dict
    mail_dir: Path
    stripe_base: str
    processes: list = field(default_factory=list)
    worker_log: Path | None = None

    def manage(self, *args: str, input: str | None = None, env: dict | None = None) -> str:
        result = subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=300,
            input=input,
        )
        if result.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def shell(self, code: str) -> str:
        """Run Python in the app's context (a read of the server's database)."""
        return self.manage("shell", "-c", code).strip()

    def emails(self, to: str | None = None) -> list:
        found = []
        for path in sorted(self.mail_dir.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = message_from_bytes(raw.strip(), policy=policy.default)
                    if to is None or to in (message["To"] or ""):
                        found.append(message)
        return found

    def wait_for_email(self, to: str, subject_contains: str, seconds: float = 30):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for message in self.emails(to):
                if subject_contains.lower() in (message["Subject"] or "").lower():
                    return message
            time.sleep(0.3)
        subjects = [m["Subject"] for m in self.emails(to)]
        raise AssertionError(f"no e-mail to {to} about {subject_contains!r}; got {subjects}")

    def worker_ran(self, task_name: str) -> bool:
        """Whether the Celery worker's log shows ``task_name`` succeeding (False without a worker)."""
        if self.worker_log is None or not self.worker_log.exists():
            return False
        return any(
            task_name in line and "succeeded" in line
            for line in self.worker_log.read_text(errors="replace").splitlines()
        )


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    stripe_port, web_port, media_port = free_port(), free_port(), free_port()
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.e2e.settings",
        "DJANGO_ENV": "production",
        "DEBUG": "false",
        "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SESSION_COOKIE_SECURE": "false",
        "CSRF_COOKIE_SECURE": "false",
        "SECURE_HSTS_SECONDS": "0",
        "DATABASE_URL": _fresh_database(tmp),
        "RXSHOP_VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(tmp / "static"),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "STRIPE_API_BASE": stripe_base,
        # Production refuses the demo's defaults: test-mode keys of our own (localstripe takes any sk_).
        "STRIPE_SECRET_KEY": "sk_test_e2e",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_e2e",
        "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
        "RXSHOP_SITE_URL": f"http://127.0.0.1:{web_port}",
        "RXSHOP_VIRUS_SCANNING": "off",  # no ClamAV daemon here; the upload tests scan with a fake clamd
        "AXES_FAILURE_LIMIT": "50",
        # Product pictures from a media host of their own, as in production (tests/e2e/settings.py).
        "RXSHOP_E2E_MEDIA_URL": f"http://127.0.0.1:{media_port}/",
        "MEDIA_URL": f"http://127.0.0.1:{media_port}/",  # shop.settings allows images from it (CSP img-src)
    }
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker:
        env["CELERY_BROKER_URL"] = broker.rsplit("/", 1)[0] + "/14"  # its own Redis db
        # ... and its own keys in it: another suite on this machine may use db 14 right now.
        env["RXSHOP_E2E_REDIS_PREFIX"] = f"rxshop-e2e-{uuid.uuid4().hex[:12]}:"
    stack = Stack(base_url=f"http://127.0.0.1:{web_port}", env=env, mail_dir=mail_dir, stripe_base=stripe_base)
    stack.manage("migrate", "--noinput")
    # The demo's data (published passwords): production refuses to load it, so it is loaded into the
    # same database under the demo settings; the shop then runs as in production.
    stack.manage("load_demo", env={"DJANGO_ENV": "demo"})
    stack.manage("collectstatic", "--noinput")

    def start(cmd):
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env=env,
            stdout=open(tmp / f"{len(stack.processes)}.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        stack.processes.append(proc)
        return proc

    start(
        [
            sys.executable,
            "-c",
            "from aiohttp import web; from localstripe.server import app; "
            f"web.run_app(app, host='127.0.0.1', port={stripe_port}, print=None)",
        ]
    )
    wait_for(f"{stripe_base}/v1/customers")
    media = tmp / "var" / "media"
    media.mkdir(parents=True, exist_ok=True)
    start([sys.executable, "-m", "http.server", str(media_port), "--bind", "127.0.0.1", "--directory", str(media)])
    if broker:
        subprocess.run(
            [sys.executable, "-m", "celery", "-A", "shop", "purge", "-f"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            timeout=60,
        )
        stack.worker_log = tmp / f"{len(stack.processes)}.log"
        start([sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "--loglevel=INFO"])
    start(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "shop.wsgi",
            "--bind",
            f"127.0.0.1:{web_port}",
            "--workers",
            "2",
            "--timeout",
            "60",
            "--access-logfile",
            "-",
        ]
    )
    wait_for(f"{stack.base_url}/catalogue/")
    # Webhooks from localstripe reach the shop like Stripe's would.
    urllib.request.urlopen(
        urllib.request.Request(
            f"{stripe_base}/_config/webhooks/rxshop",
            data=f"url={stack.base_url}/stripe/webhook/&secret=whsec_e2e".encode(),
            method="POST",
        )
    )
    yield stack
    for proc in reversed(stack.processes):
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=20)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(proc.pid, signal.SIGKILL)
    logs = ARTIFACTS / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    for log in tmp.glob("*.log"):
        shutil.copy(log, logs / log.name)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


# The machines that run this are often busy: wait longer than Playwright's
# defaults (5 s for expect, 30 s for actions) before calling a step failed.
expect.set_options(timeout=20_000)
ACTION_TIMEOUT_MS = 60_000


@pytest.fixture
def context(new_context):
    context = new_context()
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    return context


@pytest.fixture
def new_page(new_context):
    """Another person's browser: ``new_page()`` opens a page in a new context
    (its own cookies), closed at the end of the test."""

    def open_page():
        context = new_context()
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        return context.new_page()

    return open_page


# README pictures taken in this session: docs/screenshots/<name>.png <- artifact.
DOC_SHOTS: dict[str, Path] = {}


class Shots:
    """Screenshots of a journey, numbered in order, under tests/e2e/artifacts/<journey>/."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, step: str, *, doc: str | None = None) -> Path:
        """``doc``: also keep what the browser window shows, as docs/screenshots/<doc>.png
        (copied only by ``make screenshots``, when every journey passes)."""
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        if doc:
            window = self.folder / f"{self.count:02d}-{step}.window.png"
            page.screenshot(path=str(window), full_page=False)
            DOC_SHOTS[doc] = window
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.originalname.removeprefix("test_"))


CSP_CONSOLE = ("Content Security Policy", "Content-Security-Policy")


@pytest.fixture(autouse=True)
def _no_content_security_policy_violations(request):
    """Every journey fails if the browser refused anything under the Content-Security-Policy
    (an inline script without its nonce, an inline onclick, a script from another host)."""
    if "page" not in request.fixturenames:
        yield
        return
    page = request.getfixturevalue("page")
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if any(marker in message.text for marker in CSP_CONSOLE)
            else None
        ),
    )
    yield
    assert not refused, "the browser refused content under the Content-Security-Policy:\n" + "\n".join(refused)


def assert_accessible(page, label: str) -> None:
    """axe-core on the current page: no serious or critical violations."""
    # Evaluated through the DevTools protocol, not as an inline <script>: the pages'
    # Content-Security-Policy (rightly) refuses inline scripts without their nonce.
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = ARTIFACTS / "axe"
    report.mkdir(parents=True, exist_ok=True)
    (report / f"{label}.json").write_text(json.dumps(result["violations"], indent=2))
    assert not bad, f"{label}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} × {len(v['nodes'])} e.g. {v['nodes'][0]['target']}" for v in bad
    )


# --- Staff second factor: one code per 30-second step ---------------------------------

TOTP_STEP = 30
# The last TOTP time step used per staff e-mail in this session: django-otp
# accepts each step once per device (replay protection), so a second sign-in
# in the same step must wait for the next one.
TOTP_STEPS_USED: dict[str, int] = {}


def totp_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // TOTP_STEP)


def wait_for_unused_totp_step(email: str | None = None) -> None:
    """Sleep until the current step has not been used (by ``email``, or by anyone)."""
    used = [TOTP_STEPS_USED.get(email, -1)] if email else list(TOTP_STEPS_USED.values())
    last = max(used, default=-1)
    if last >= totp_step():
        time.sleep((last + 1) * TOTP_STEP - time.time() + 0.5)


# --- README pictures -------------------------------------------------------------------

_E2E_FAILED: list[str] = []


def pytest_runtest_logreport(report):
    if report.failed and "tests/e2e/" in report.nodeid.replace("\\", "/"):
        _E2E_FAILED.append(report.nodeid)


def pytest_sessionfinish(session, exitstatus):
    if os.environ.get("RXSHOP_UPDATE_SCREENSHOTS") != "1" or not DOC_SHOTS:
        return
    if _E2E_FAILED or exitstatus != 0:
        print(f"\ndocs/screenshots not updated: journeys failed ({', '.join(_E2E_FAILED) or exitstatus})")
        return
    written = [save_doc_picture(source, DOCS / f"{name}.png") for name, source in sorted(DOC_SHOTS.items())]
    print("\ndocs/screenshots updated: " + ", ".join(f"{p.name} ({p.stat().st_size // 1024} KB)" for p in written))


def save_doc_picture(source: Path, target: Path, *, width: int = 1280, max_bytes: int = 300_000) -> Path:
    """``source`` as a small PNG: at most ``width`` px wide, a 256-colour palette,
    smaller still if it would be over ``max_bytes``."""
    from PIL import Image

    target.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as original:
        image = original.convert("RGB")
    for colours, scale in ((256, 1.0), (128, 1.0), (128, 0.8), (64, 0.7)):
        w = min(width, round(image.width * scale))
        resized = image if w == image.width else image.resize((w, round(image.height * w / image.width)), Image.LANCZOS)
        resized.quantize(colors=colours, method=Image.Quantize.MEDIANCUT).save(target, optimize=True)
        if target.stat().st_size <= max_bytes:
            break
    return target
