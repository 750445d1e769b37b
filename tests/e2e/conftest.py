"""The shop running as in production, for journeys in headless Chromium.

One stack per test session: a fresh database (PostgreSQL from DATABASE_URL in
CI, else a SQLite file), migrated and loaded with the demo shop; static files
collected; localstripe on a free loopback port; gunicorn with DEBUG=False; a
real Celery worker when CELERY_BROKER_URL is set (CI: Redis), otherwise tasks
run in the web process. E-mails are written to files the tests read.
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
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from urllib.parse import urlparse

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "e2e" / "artifacts"
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

    def manage(self, *args: str, input: str | None = None) -> str:
        result = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env,
                                capture_output=True, text=True, timeout=300, input=input)
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


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    stripe_port, web_port = free_port(), free_port()
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
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
        "STRIPE_SECRET_KEY": "sk_test_localstripe",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_localstripe",
        "STRIPE_WEBHOOK_SECRET": "whsec_e2e",
        "AXES_FAILURE_LIMIT": "50",
    }
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if broker:
        env["CELERY_BROKER_URL"] = broker.rsplit("/", 1)[0] + "/14"  # its own Redis db
    stack = Stack(base_url=f"http://127.0.0.1:{web_port}", env=env, mail_dir=mail_dir,
                  stripe_base=stripe_base)
    stack.manage("migrate", "--noinput")
    stack.manage("load_demo")
    stack.manage("collectstatic", "--noinput")

    def start(cmd):
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=open(tmp / f"{len(stack.processes)}.log", "w"),
                                stderr=subprocess.STDOUT, start_new_session=True)
        stack.processes.append(proc)
        return proc

    start([sys.executable, "-c",
           "from aiohttp import web; from localstripe.server import app; "
           f"web.run_app(app, host='127.0.0.1', port={stripe_port}, print=None)"])
    wait_for(f"{stripe_base}/v1/customers")
    if broker:
        subprocess.run([sys.executable, "-m", "celery", "-A", "shop", "purge", "-f"], cwd=ROOT, env=env,
                       capture_output=True, timeout=60)
        start([sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "--loglevel=INFO"])
    start([sys.executable, "-m", "gunicorn", "shop.wsgi", "--bind", f"127.0.0.1:{web_port}",
           "--workers", "2", "--timeout", "60", "--access-logfile", "-"])
    wait_for(f"{stack.base_url}/catalogue/")
    # Webhooks from localstripe reach the shop like Stripe's would.
    urllib.request.urlopen(urllib.request.Request(
        f"{stripe_base}/_config/webhooks/rxshop",
        data=f"url={stack.base_url}/stripe/webhook/&secret=whsec_e2e".encode(), method="POST"))
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
        "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}}


class Shots:
    """Screenshots of a journey, numbered in order, under tests/e2e/artifacts/<journey>/."""

    def __init__(self, name: str):
        self.folder = ARTIFACTS / name
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder.mkdir(parents=True)
        self.count = 0

    def __call__(self, page, step: str) -> Path:
        self.count += 1
        path = self.folder / f"{self.count:02d}-{step}.png"
        page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def shots(request):
    return Shots(request.node.originalname.removeprefix("test_"))


def assert_accessible(page, label: str) -> None:
    """axe-core on the current page: no serious or critical violations."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
    report = ARTIFACTS / "axe"
    report.mkdir(parents=True, exist_ok=True)
    (report / f"{label}.json").write_text(json.dumps(result["violations"], indent=2))
    assert not bad, f"{label}: " + "; ".join(
        f"{v['id']} ({v['impact']}): {v['help']} × {len(v['nodes'])} e.g. {v['nodes'][0]['target']}" for v in bad)
