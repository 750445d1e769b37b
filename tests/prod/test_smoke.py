"""The production smoke test (issue 19): rxshop from a built wheel, run as the README's
"Running it in production" says, and one customer's order from sign-up to a parcel.

From a clean copy of the tree, ``make install-prod PY=<fresh venv>`` (the runtime lock, then
the wheel). The environment of every production process holds only variables the README's
production section names (checked first). Then, as documented: ``django-admin migrate``,
``collectstatic``, ``check --deploy``, ``setup_pharmacy --no-input``; gunicorn (2 workers), a
Celery worker on RabbitMQ (a queue of its own, ``CELERY_TASK_DEFAULT_QUEUE``) and beat; private
files in an S3 API (moto's server); Stripe is localstripe; PostgreSQL (a database of its own on
DATABASE_URL's server) or else SQLite. In front, a small proxy that says "https"
(``X-Forwarded-Proto``) as nginx would. Over plain HTTP requests, no browser:

the administrator signs in with the authenticator setup enrolled, adds a technician and a
pharmacist and enrols theirs (/dashboard/staff/), adds a category and a prescription medicine
in the dashboard; a customer registers (the activation link from the e-mail file the worker
wrote), uploads a prescription (it lands in the bucket); the technician transcribes, the
pharmacist verifies; the customer pays by card (localstripe's test card); the technician scans
the pack at the fill screen (a keyboard-wedge GS1 string, its NDC found in the NDC Directory the
operator imported); the pharmacist dispenses, recording the offer to counsel (the card is
captured), and ships with a tracking number (the customer is e-mailed).

Needs RabbitMQ (RXSHOP_RABBITMQ_URL) and PyPI; CI has both (RXSHOP_REQUIRE_SERVICES=1 makes a
missing broker fail, as for the other service-marked tests). A few minutes on a busy machine.
On failure the message names the step and carries the end of every process's log.
"""

from __future__ import annotations

import base64
import datetime
import html
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from email import message_from_bytes
from email import policy as email_policy
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit
from zoneinfo import ZoneInfo

import pytest
import requests
from django_otp.oath import totp

from tests.conftest import RABBITMQ_URL

pytestmark = [pytest.mark.production_smoke, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
ADMIN_EMAIL, ADMIN_PASSWORD = "owner@smoke-pharmacy.example", "Owner-smoke-password-2026"
TECH_EMAIL, TECH_PASSWORD = "tech@smoke-pharmacy.example", "Technician-smoke-password-2026"
RPH_EMAIL, RPH_PASSWORD = "rph@smoke-pharmacy.example", "Pharmacist-smoke-password-2026"
CUSTOMER_EMAIL, CUSTOMER_PASSWORD = "dana.smoke@example.com", "Customer-smoke-password-2026"
TRACKING = "9400111899223856928499"  # USPS, 22 digits
SLOW = 180  # seconds: a busy 2-core machine


# --- What the README promises ------------------------------------------------------------------


def production_section() -> str:
    text = README.read_text()
    start = text.index("## Running it in production")
    end = text.index("\n## ", text.index("## Operating rxshop") + 1)
    return text[start:end]


def documented(fragment: str) -> None:
    """The command or setting the test is about to use must be in the README's production section."""
    if fragment not in production_section():
        raise AssertionError(
            f"The smoke test needs {fragment!r}, which README.md's production section does not say. "
            "Document it there (or change the test to what the README says)."
        )


# --- Processes ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(what: str, check, seconds: float = SLOW, every: float = 0.5):
    deadline = time.monotonic() + seconds
    last = None
    while time.monotonic() < deadline:
        try:
            result = check()
        except Exception as exc:  # noqa: BLE001 (any failure: not yet)
            last, result = exc, None
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"{what}: not within {seconds:.0f}s (last error: {last!r})")


class Stack:
    def __init__(self, tmp: Path):
        self.tmp = tmp
        self.logs: dict[str, Path] = {}
        self.processes: list[tuple[str, subprocess.Popen]] = []
        self.venv = tmp / "venv"
        self.run_dir = tmp / "srv"  # the processes' working directory: no source tree on sys.path
        self.run_dir.mkdir()
        self.var = tmp / "var"
        self.mail = self.var / "mail"
        self.mail.mkdir(parents=True)
        self.env: dict[str, str] = {}
        self.database_admin_url: str | None = None
        self.database_name: str | None = None

    # Logs of every process, attached to a failure.
    def log(self, name: str) -> Path:
        path = self.tmp / "logs" / f"{name}.log"
        path.parent.mkdir(exist_ok=True)
        self.logs[name] = path
        return path

    def tails(self, lines: int = 60) -> str:
        out = []
        for name, path in self.logs.items():
            text = path.read_text(errors="replace").splitlines() if path.exists() else ["(no log)"]
            out.append(f"----- {name} ({path}), last {lines} lines -----\n" + "\n".join(text[-lines:]))
        return "\n".join(out)

    def run(self, name: str, cmd: list[str], *, env: dict | None = None, cwd: Path | None = None, timeout=900):
        with open(self.log(name), "a") as log:
            log.write(f"$ {' '.join(cmd)}\n")
            log.flush()
            result = subprocess.run(
                cmd,
                cwd=cwd or self.run_dir,
                env=env if env is not None else self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
                timeout=timeout,
            )
        if result.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} exited with {result.returncode} (log: {name})")
        return self.logs[name].read_text(errors="replace")

    def start(self, name: str, cmd: list[str], *, env: dict | None = None) -> subprocess.Popen:
        log = open(self.log(name), "a")  # noqa: SIM115 (closed with the process)
        log.write(f"$ {' '.join(cmd)}\n")
        log.flush()
        process = subprocess.Popen(
            cmd,
            cwd=self.run_dir,
            env=env if env is not None else self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.processes.append((name, process))
        return process

    def alive(self) -> None:
        for name, process in self.processes:
            if process.poll() is not None:
                raise AssertionError(f"{name} stopped (exit {process.returncode}); see its log")

    def stop(self) -> None:
        for _name, process in reversed(self.processes):
            if process.poll() is None:
                try:
                    os.killpg(process.pid, signal.SIGTERM)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        queue = self.env.get("CELERY_TASK_DEFAULT_QUEUE")
        if queue:  # this run's queue goes with it (the broker is shared)
            from kombu import Connection

            try:
                with Connection(self.env["CELERY_BROKER_URL"], connect_timeout=10) as connection:
                    connection.default_channel.queue_delete(queue)
            except Exception as exc:  # noqa: BLE001 (cleaning up must not hide the test's own failure)
                print(f"could not delete the queue {queue}: {exc!r}")
        if self.database_name:
            import psycopg

            with psycopg.connect(self.database_admin_url, autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{self.database_name}" WITH (FORCE)')

    def bin(self, name: str) -> str:
        return str(self.venv / "bin" / name)

    def django_admin(self, name: str, *args: str, env: dict | None = None) -> str:
        return self.run(name, [self.bin("django-admin"), *args], env={**self.env, **(env or {})})

    def emails(self, to: str) -> list:
        found = []
        for path in sorted(self.mail.glob("*.log")):
            for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                if raw.strip():
                    message = message_from_bytes(raw.strip(), policy=email_policy.default)
                    if to in (message["To"] or ""):
                        found.append(message)
        return found

    def wait_for_email(self, to: str, subject: str):
        def found():
            self.alive()
            return next((m for m in self.emails(to) if subject.lower() in (m["Subject"] or "").lower()), None)

        return wait_until(f"an e-mail to {to} about {subject!r} (the worker sends it)", found)


def fresh_database(stack: Stack) -> str:
    """A database of its own on DATABASE_URL's PostgreSQL server (dropped afterwards), else SQLite."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return f"sqlite:///{stack.var / 'rxshop.sqlite3'}"
    import psycopg

    parts = urlsplit(url)
    name = f"rxshop_smoke_{uuid.uuid4().hex[:10]}"
    stack.database_admin_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(stack.database_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    stack.database_name = name
    return parts._replace(path=f"/{name}").geturl()


# --- The TLS proxy's stand-in: says "https" and who the client is, as the README's nginx does ----


def start_proxy(upstream_port: int) -> ThreadingHTTPServer:
    class Forward(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _forward(self):
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in {"x-forwarded-proto", "connection"}}
            headers["X-Forwarded-Proto"] = "https"  # RXSHOP_PROXY_SSL_HEADER
            headers["X-Forwarded-For"] = self.client_address[0]  # RXSHOP_TRUSTED_PROXY_COUNT=1
            upstream = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=SLOW)
            try:
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
            except OSError as exc:
                self.send_error(502, f"upstream: {exc}")
                return
            finally:
                upstream.close()
            self.send_response(response.status, response.reason)
            for key, value in response.getheaders():
                if key.lower() not in {"transfer-encoding", "connection", "content-length"}:
                    self.send_header(key, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_HEAD = _forward

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", free_port()), Forward)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


# --- A person with a browser-like session over plain HTTP ----------------------------------------


class Form:
    def __init__(self, attrs: dict):
        self.attrs = attrs
        self.fields: list[tuple[str, str]] = []
        self.submits: list[tuple[str, str]] = []
        self.names: set[str] = set()
        self.options: dict[str, list[tuple[str, str]]] = {}  # select name → (value, label)

    def option(self, name: str, label: str) -> str:
        """The value of the choice of ``name`` whose label contains ``label``."""
        for value, text in self.options.get(name, []):
            if label.lower() in text.lower() and value:
                return value
        raise AssertionError(f"no choice {label!r} for {name}: {self.options.get(name)}")


class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.select: tuple[str, list, list] | None = None
        self.option_value: str | None = None
        self.textarea: list | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form":
            self.form = Form(a)
            self.forms.append(self.form)
            return
        if self.form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            self.form.names.add(name)
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self.form.fields.append((name, a.get("value", "on")))
            elif kind in {"submit", "image", "button"}:
                self.form.submits.append((name, a.get("value", "")))
            elif kind != "file":
                self.form.fields.append((name, a.get("value", "")))
        elif tag == "button" and name:
            self.form.submits.append((name, a.get("value", "")))
        elif tag == "select" and name:
            self.form.names.add(name)
            self.select = (name, [], [])
            self.form.options[name] = []
        elif tag == "option" and self.select is not None:
            value = a.get("value")
            self.option_value = value
            if value is not None:
                self.select[1].append(value)
                self.form.options[self.select[0]].append((value, ""))
                if "selected" in a:
                    self.select[2].append(value)
        elif tag == "textarea" and name:
            self.form.names.add(name)
            self.textarea = [name, ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data
        elif self.select is not None and self.form is not None and data.strip():
            options = self.form.options[self.select[0]]
            if self.option_value is None:  # <option> without a value: its text is the value
                self.select[1].append(data.strip())
                options.append((data.strip(), data.strip()))
            elif options:
                options[-1] = (options[-1][0], options[-1][1] + data.strip())

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "option":
            self.option_value = None
        elif tag == "select" and self.select is not None and self.form is not None:
            name, values, selected = self.select
            for value in selected or values[:1]:
                self.form.fields.append((name, value))
            self.select = None
        elif tag == "textarea" and self.textarea is not None and self.form is not None:
            self.form.fields.append((self.textarea[0], self.textarea[1].lstrip("\n")))
            self.textarea = None


class Person:
    def __init__(self, base: str, site_url: str, who: str):
        self.base, self.site_url, self.who = base, site_url, who
        self.session = requests.Session()
        self.page = ""
        self.url = base + "/"

    def _local(self, url: str) -> str:
        url = urljoin(self.url, url)
        return self.base + url[len(self.site_url) :] if url.startswith(self.site_url) else url

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        url = self._local(url)
        headers = kwargs.pop("headers", {})
        if method == "POST":
            headers = {"Origin": self.site_url, "Referer": self.site_url + urlsplit(self.url).path, **headers}
        for _hop in range(10):
            response = self.session.request(method, url, headers=headers, allow_redirects=False, timeout=SLOW, **kwargs)
            set_cookie = response.headers.get("Set-Cookie", "")
            if set_cookie and "Max-Age=0" not in set_cookie:  # a deletion carries no value
                assert "Secure" in set_cookie, f"a cookie without Secure: {set_cookie}"
            for cookie in self.session.cookies:
                cookie.secure = False  # the proxy stands in for TLS: send them as a browser would over https
            if response.status_code not in (301, 302, 303, 307, 308):
                break
            location = response.headers["Location"]
            assert not location.startswith("http://"), f"{self.who}: redirected to plain http: {location}"
            url, method, kwargs, headers = self._local(urljoin(url, location)), "GET", {}, {}
        self.url, self.page = url, response.text
        if response.status_code >= 400:
            raise AssertionError(f"{self.who}: {method} {url} answered {response.status_code}:\n{text_of(self.page)}")
        return response

    def get(self, url: str) -> str:
        self.request("GET", url)
        return self.page

    def form(self, *, has: str | None = None, action: str | None = None, id: str | None = None) -> Form:
        """The page's first POST form with field ``has``, ``action`` in its action, id ``id``; with
        none of them, the first that posts to the page itself."""
        parser = _Forms()
        parser.feed(self.page)
        for form in parser.forms:
            if form.attrs.get("method", "get").lower() != "post":
                continue
            if not (has or action or id) and form.attrs.get("action", "") not in ("", "."):
                continue
            if has and has not in form.names:
                continue
            if action and action not in form.attrs.get("action", ""):
                continue
            if id and form.attrs.get("id") != id:
                continue
            return form
        raise AssertionError(f"{self.who}: no form with {has or action or id} on {self.url}:\n{text_of(self.page)}")

    def submit(self, form: Form, data: dict | None = None, *, button: str | None = None, files=None) -> str:
        fields: dict[str, list[str]] = {}
        for name, value in form.fields:
            fields.setdefault(name, []).append(value)
        for name, value in (data or {}).items():
            if value is None:
                fields.pop(name, None)
            else:
                fields[name] = value if isinstance(value, list) else [str(value)]
        if button:
            fields[button] = [dict(form.submits).get(button, "")]
        action = form.attrs.get("action") or self.url
        self.request("POST", action, data=[(k, v) for k, values in fields.items() for v in values], files=files)
        return self.page

    def expect(self, text: str) -> None:
        if text not in html.unescape(self.page):
            raise AssertionError(f"{self.who}: expected {text!r} on {self.url}; the page says:\n{text_of(self.page)}")


def text_of(page: str, limit: int = 3000) -> str:
    """The visible text of a page, for failure messages."""
    body = re.sub(r"(?s)<(script|style|svg)\b.*?</\1>", " ", page)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body))).strip()[:limit]


# --- Second factors ---------------------------------------------------------------------------------


class Authenticator:
    """An authenticator app that scanned an otpauth:// address. A code is accepted once, so each
    sign-in or confirmation waits for a 30-second step this device has not used."""

    def __init__(self, uri: str):
        secret = parse_qs(urlsplit(html.unescape(uri)).query)["secret"][0]
        self.key = base64.b32decode(secret + "=" * (-len(secret) % 8))
        self.used_step = -1

    def code(self) -> str:
        while int(time.time()) // 30 <= self.used_step:
            time.sleep(1)
        self.used_step = int(time.time()) // 30
        return f"{totp(self.key):06d}"


def staff_sign_in(person: Person, email: str, password: str, app: Authenticator, next_url: str) -> None:
    person.get(f"/accounts/login/?next={next_url}")
    person.submit(
        person.form(has="login-username"),
        {"login-username": email, "login-password": password},
        button="login_submit",
    )
    assert "/pharmacy/staff/verify/" in person.url, f"{email}: not asked for the second factor ({person.url})"
    for _attempt in range(3):
        person.submit(person.form(has="otp_token"), {"otp_token": app.code()})
        if "/pharmacy/staff/verify/" not in person.url:
            return
    raise AssertionError(f"{email}: the authenticator's code was refused three times:\n{text_of(person.page)}")


def otpauth_uri(page: str) -> str:
    found = re.search(r"otpauth://totp/[^\s<\"']+", page)
    assert found, f"no otpauth:// address in:\n{text_of(page)}"
    return html.unescape(found.group())


# --- The test -----------------------------------------------------------------------------------------


def test_production_from_a_wheel_to_a_shipped_order(tmp_path):
    started = time.monotonic()
    stack = Stack(tmp_path)
    step = ["installing"]
    try:
        run_smoke(stack, step)
    except BaseException as exc:
        raise AssertionError(
            f"Production smoke test failed at step {step[0]!r} after {time.monotonic() - started:.0f}s: {exc}\n\n"
            f"{stack.tails()}"
        ) from exc
    finally:
        stack.stop()
    print(f"production smoke test: {time.monotonic() - started:.0f}s")


def run_smoke(stack: Stack, step: list) -> None:  # noqa: PLR0915 (one story, told in order)
    tmp = stack.tmp
    # --- Install: the README's commands, from a clean copy of the tree -----------------------------------
    documented("make install-prod PY=")
    source = tmp / "source"
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file() and not name.startswith(("node_modules", "tests/")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    clean_env = {k: v for k, v in os.environ.items() if k in {"PATH", "HOME", "LANG", "TMPDIR", "PIP_INDEX_URL"}}
    python = shutil.which("python3.11") or getattr(sys, "_base_executable", sys.executable)
    stack.run("install", [python, "-m", "venv", str(stack.venv)], env=clean_env)
    stack.run("install", ["make", "install-prod", f"PY={stack.bin('python')}"], env=clean_env, cwd=source, timeout=1800)
    stack.run("install", [stack.bin("python"), "-m", "pip", "freeze"], env=clean_env)
    installed = stack.logs["install"].read_text()
    for test_tool in ("pytest", "playwright", "localstripe", "hypothesis", "moto"):
        assert f"\n{test_tool}==" not in installed.lower(), f"{test_tool} was installed into production"

    # --- The services around it ------------------------------------------------------------------------
    step[0] = "starting S3 (moto), Stripe (localstripe), the database"
    s3_port, stripe_port, web_port = free_port(), free_port(), free_port()
    stack.start("s3-moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(s3_port)], env=clean_env)
    stack.start(
        "stripe-localstripe",
        [
            sys.executable,
            "-c",
            "from aiohttp import web; from localstripe.server import app; "
            f"web.run_app(app, host='127.0.0.1', port={stripe_port}, print=None)",
        ],
        env={**clean_env, "TMPDIR": str(tmp)},
    )
    s3 = f"http://127.0.0.1:{s3_port}"
    stripe_base = f"http://127.0.0.1:{stripe_port}"
    wait_until("moto's S3 server answers", lambda: requests.get(s3, timeout=5).status_code < 500)
    wait_until("localstripe answers", lambda: requests.get(f"{stripe_base}/v1/balance", timeout=5).status_code)
    import boto3

    bucket = f"rxshop-smoke-{uuid.uuid4().hex[:8]}"
    s3_client = boto3.client(
        "s3", endpoint_url=s3, aws_access_key_id="smoke", aws_secret_access_key="smoke", region_name="us-east-1"
    )
    s3_client.create_bucket(Bucket=bucket)  # the operator creates the private bucket (README)
    documented("create the bucket")

    proxy = start_proxy(web_port)
    site = f"https://127.0.0.1:{proxy.server_port}"
    base = f"http://127.0.0.1:{proxy.server_port}"
    queue = f"rxshop-smoke-{uuid.uuid4().hex[:10]}"
    stack.env = {
        **clean_env,
        "DJANGO_SETTINGS_MODULE": "shop.settings",
        "DJANGO_ENV": "production",
        "SECRET_KEY": "smoke-" + uuid.uuid4().hex + uuid.uuid4().hex,
        "ALLOWED_HOSTS": "127.0.0.1",
        "RXSHOP_SITE_URL": site,
        "RXSHOP_VAR_DIR": str(stack.var),
        "STATIC_ROOT": str(tmp / "static"),
        "DATABASE_URL": fresh_database(stack),
        "CELERY_BROKER_URL": RABBITMQ_URL,
        "CELERY_TASK_DEFAULT_QUEUE": queue,
        "CELERY_BEAT_SCHEDULE_FILENAME": str(stack.var / "beat" / "celerybeat-schedule"),
        "EMAIL_URL": f"filemail://{stack.mail}",
        "RXSHOP_PRIVATE_STORAGE": "s3",
        "RXSHOP_PRIVATE_BUCKET": bucket,
        "AWS_S3_ENDPOINT_URL": s3,
        "AWS_ACCESS_KEY_ID": "smoke",
        "AWS_SECRET_ACCESS_KEY": "smoke",
        "STRIPE_SECRET_KEY": "sk_test_smoke",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_smoke",
        "STRIPE_WEBHOOK_SECRET": "whsec_smoke",
        "STRIPE_API_BASE": stripe_base,
        "RXSHOP_VIRUS_SCANNING": "off",  # no ClamAV daemon here; check --deploy says so (rxshop.W001)
        "RXSHOP_PROXY_SSL_HEADER": "X-Forwarded-Proto",
        "RXSHOP_TRUSTED_PROXY_COUNT": "1",
        "RXSHOP_LOG_FORMAT": "json",
        "MEDIA_ROOT": str(stack.var / "media"),
    }
    (tmp / "home").mkdir()
    stack.env["HOME"] = str(tmp / "home")  # gunicorn keeps its control socket under $HOME: one per run
    (stack.var / "beat").mkdir()
    for variable in stack.env.keys() - clean_env.keys() - {"HOME"}:
        documented(f"`{variable}")

    # --- First run ---------------------------------------------------------------------------------------
    step[0] = "first run (migrate, collectstatic, check --deploy, setup_pharmacy)"
    documented("django-admin migrate --noinput")
    stack.django_admin("migrate", "migrate", "--noinput")
    documented("django-admin collectstatic --noinput")
    stack.django_admin("collectstatic", "collectstatic", "--noinput")
    assert (tmp / "static" / "staticfiles.json").exists() or any((tmp / "static").iterdir())
    documented("django-admin check --deploy")
    deploy = stack.django_admin("check", "check", "--deploy", "--fail-level", "ERROR")
    assert "rxshop.W001" in deploy, "check --deploy does not warn that virus scanning is off"
    documented("setup_pharmacy --no-input")
    setup_args = [
        "setup_pharmacy",
        "--no-input",
        "--admin-email",
        ADMIN_EMAIL,
        "--admin-password-env",
        "ADMIN_PW",
        "--name",
        "Smoke Test Pharmacy",
        "--address",
        "1 Hudson St, New York, NY 10013",
        "--phone",
        "1-212-555-0100",
        "--email",
        "rx@smoke-pharmacy.example",
        "--pharmacist-in-charge",
        "Lee Park, PharmD",
        "--npi",
        "1234567893",
        "--licence",
        f"NY:resident:031234:{shop_today().year + 2}-12-31",
    ]
    out = stack.django_admin("setup", *setup_args, env={"ADMIN_PW": ADMIN_PASSWORD})
    admin_app = Authenticator(otpauth_uri(out))
    again = stack.django_admin("setup", *setup_args, env={"ADMIN_PW": ADMIN_PASSWORD})
    assert again.count("otpauth://") == out.count("otpauth://"), "setup_pharmacy enrolled a second authenticator"

    # The FDA NDC Directory, downloaded and unzipped by the operator. Nothing is fetched here: the
    # slice rxshop carries is in the FDA's own format (product.txt, package.txt) and stands in for it.
    step[0] = "operator imports the NDC Directory"
    documented("django-admin import_ndc_directory /srv/rxshop/ndctext")
    ndctext = tmp / "ndctext"
    ndctext.mkdir()
    for name in ("product.txt", "package.txt"):
        shutil.copy2(ROOT / "prescriptions" / "dispensing" / "ndc_data" / name, ndctext / name)
    imported = stack.django_admin("ndc", "import_ndc_directory", str(ndctext))
    count = re.search(r"(\d+) packages imported", imported)
    assert count and int(count.group(1)) > 0, f"import_ndc_directory imported nothing:\n{imported}"

    # --- The processes, as the operator's table says -------------------------------------------------------
    step[0] = "starting gunicorn, the Celery worker and beat"
    documented("gunicorn shop.wsgi --bind 127.0.0.1:8000 --workers")
    stack.start(
        "web-gunicorn",
        [stack.bin("gunicorn"), "shop.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "2", "--timeout", "120"],
    )
    documented("celery -A shop worker --loglevel INFO")
    stack.start("worker-celery", [stack.bin("celery"), "-A", "shop", "worker", "--loglevel", "INFO"])
    documented('celery -A shop beat --schedule "$CELERY_BEAT_SCHEDULE_FILENAME"')
    stack.start(
        "beat-celery",
        [stack.bin("celery"), "-A", "shop", "beat", "--schedule", stack.env["CELERY_BEAT_SCHEDULE_FILENAME"]],
    )

    def ready():
        stack.alive()
        response = requests.get(f"{base}/readyz", timeout=30)
        return response.status_code == 200 and response.json()

    checks = wait_until("GET /readyz through the proxy is 200 (database, broker, storage, Stripe)", ready)
    assert set(checks["checks"]) == {"database", "broker", "private_storage", "stripe"}
    # Without the proxy's header the request is plain http: production sends it to https.
    direct = requests.get(f"http://127.0.0.1:{web_port}/healthz", timeout=30, allow_redirects=False)
    assert direct.status_code == 301 and direct.headers["Location"].startswith("https://"), direct.status_code
    wait_until(
        "beat writes its schedule where CELERY_BEAT_SCHEDULE_FILENAME says",
        lambda: list((stack.var / "beat").glob("celerybeat-schedule*")),
    )
    requests.post(
        f"{stripe_base}/_config/webhooks/rxshop",
        data={"url": f"{base}/stripe/webhook/", "secret": stack.env["STRIPE_WEBHOOK_SECRET"]},
        timeout=30,
    ).raise_for_status()

    # --- The administrator: staff and their authenticators, the catalogue -----------------------------------
    step[0] = "administrator enrols staff"
    admin = Person(base, site, "administrator")
    staff_sign_in(admin, ADMIN_EMAIL, ADMIN_PASSWORD, admin_app, "/dashboard/staff/")
    apps = {}
    for email, password, role, first in (
        (TECH_EMAIL, TECH_PASSWORD, "Pharmacy technician", "Tom"),
        (RPH_EMAIL, RPH_PASSWORD, "Pharmacist", "Priya"),
    ):
        admin.get("/dashboard/staff/")
        admin.submit(
            admin.form(action="/dashboard/staff/add/"),
            {"email": email, "first_name": first, "last_name": "Smoke", "role": role, "password": password},
        )
        assert "/enrol/" in admin.url, f"adding {email} did not lead to the enrolment page"
        apps[email] = Authenticator(otpauth_uri(admin.page))
        assert "<svg" in admin.page, "no QR code on the enrolment page"
        admin.submit(admin.form(has="code"), {"code": apps[email].code()})
        admin.expect(f"{email}'s authenticator is enrolled")

    step[0] = "administrator adds a category and a prescription medicine"
    admin.get("/dashboard/catalogue/categories/create/")
    admin.submit(admin.form(has="name"), {"name": "Antibiotics", "description": "Antibiotics"})
    admin.get("/dashboard/catalogue/products/create/prescription-medicine/")
    product_form = admin.form(has="title")
    partner = product_form.option("stockrecords-0-partner", "Smoke Test Pharmacy")
    category = product_form.option("productcategory_set-0-category", "Antibiotics")
    admin.submit(
        product_form,
        {
            "title": "Doxycycline hyclate 100 mg capsules (28)",
            "upc": "SMOKE-DOXY-100",
            "is_public": "on",
            "attr_requires_prescription": "on",
            "attr_active_ingredient": "Doxycycline hyclate",
            "attr_strength": "100 mg",
            "attr_dosage_form": "Capsule",
            "attr_pack_size": "28",
            "attr_ndc": DOXYCYCLINE_NDC,  # in the NDC Directory; the fill scan counts only this pack
            "stockrecords-0-partner": partner,
            "stockrecords-0-partner_sku": "SMOKE-DOXY-100",
            "stockrecords-0-price": "24.00",
            "stockrecords-0-num_in_stock": "50",
            "productcategory_set-0-category": category,
        },
        button="action",
    )
    assert "/create/" not in admin.url, f"the product was not saved:\n{text_of(admin.page)}"
    admin.get("/catalogue/")
    product_link = re.search(r'href="(/catalogue/[^"]*doxycycline[^"]*_(\d+)/)"', admin.page)
    assert product_link, f"the new product is not in the catalogue:\n{text_of(admin.page)}"
    product_url, product_pk = product_link.group(1), product_link.group(2)

    # --- The customer: sign-up, activation, upload ----------------------------------------------------------
    step[0] = "customer registers"
    customer = Person(base, site, "customer")
    customer.get("/accounts/login/")
    customer.submit(
        customer.form(has="registration-email"),
        {
            "registration-email": CUSTOMER_EMAIL,
            "registration-password1": CUSTOMER_PASSWORD,
            "registration-password2": CUSTOMER_PASSWORD,
        },
        button="registration_submit",
    )
    activation = stack.wait_for_email(CUSTOMER_EMAIL, "Activate your")
    link = re.search(r"https?://\S+", body_of(activation)).group()
    assert link.startswith(site + "/"), f"the activation link {link} is not on RXSHOP_SITE_URL {site}"
    customer.get(link)
    customer.submit(customer.form())
    assert "/activate/" not in customer.url and "/login/" not in customer.url, text_of(customer.page)

    step[0] = "customer uploads a prescription"
    customer.get(product_url)
    customer.get(f"/prescriptions/upload/product/{product_pk}/")
    written = shop_today() - datetime.timedelta(days=2)
    pdf = prescription_pdf(
        "Dr. Hannah Lee, Dermatology",
        "300 Park Avenue, New York, NY 10022",
        "NPI 1234567893",
        f"Date: {written:%m/%d/%Y}",
        "Patient: Dana Smoke, born 1990-05-17",
        "Rx: Doxycycline hyclate 100 mg capsules, #28, take one twice daily",
        f"Rx no. {time.time_ns() % 10**10:010d}",
    )
    customer.submit(
        customer.form(has="prescriber_name"),
        {
            "relationship": "self",
            "first_name": "Dana",
            "last_name": "Smoke",
            "date_of_birth": "1990-05-17",
            "address_line1": "22 Jay Street",
            "city": "Brooklyn",
            "state": "NY",
            "postcode": "11201",
            "prescriber_name": "Dr. Hannah Lee",
            "prescriber_phone": "+1 212 555 0199",
            "quantity": "28",
            "refills_authorized": "0",
            "add_to_basket": "on",
        },
        files=[("files", ("prescription.pdf", pdf, "application/pdf"))],
    )
    reference = re.search(r"RX-[0-9A-F]{8}", customer.page)
    assert reference, f"no prescription reference after the upload:\n{text_of(customer.page)}"
    reference = reference.group()
    stored = s3_client.list_objects_v2(Bucket=bucket).get("Contents", [])
    assert stored, "the prescription file is not in the private bucket"
    head = s3_client.head_object(Bucket=bucket, Key=stored[0]["Key"])
    assert head.get("ServerSideEncryption") == "AES256"

    # --- Review: the technician transcribes, the pharmacist verifies ------------------------------------------
    step[0] = "technician transcribes"
    technician = Person(base, site, "technician")
    staff_sign_in(technician, TECH_EMAIL, TECH_PASSWORD, apps[TECH_EMAIL], "/dashboard/pharmacy/")
    open_from_queue(technician, reference)
    technician.submit(
        technician.form(action="/transcription/"),
        {
            "prescriber_name": "Dr. Hannah Lee",
            "prescriber_npi": "1234567893",
            "prescriber_address": "300 Park Avenue, New York, NY 10022",
            "drug_name": "Doxycycline hyclate",
            "strength": "100 mg",
            "dosage_form": "capsule",
            "quantity": "28",
            "days_supply": "14",
            "refills": "0",
            "date_written": written.isoformat(),
            "directions": "Take one capsule by mouth twice daily.",
            "signature_present": "on",
        },
    )
    technician.expect("Transcription saved and checked.")
    technician.submit(technician.form(action="/release/"))

    step[0] = "pharmacist verifies"
    pharmacist = Person(base, site, "pharmacist")
    staff_sign_in(pharmacist, RPH_EMAIL, RPH_PASSWORD, apps[RPH_EMAIL], "/dashboard/pharmacy/")
    open_from_queue(pharmacist, reference)
    decide = pharmacist.form(action="/verify/")
    overrides = {
        name: "Confirmed with the prescriber's office by phone." for name in decide.names if "override__" in name
    }
    pharmacist.submit(decide, overrides)
    pharmacist.expect(f"Prescription {reference} verified")

    # --- Checkout with a card ---------------------------------------------------------------------------------
    step[0] = "customer checks out"
    customer.get("/checkout/")
    if "/checkout/shipping-address/" in customer.url:
        customer.submit(
            customer.form(has="line1"),
            {
                "first_name": "Dana",
                "last_name": "Smoke",
                "line1": "22 Jay Street",
                "line4": "Brooklyn",
                "state": "NY",
                "postcode": "11201",
                "phone_number": "+12125550100",
            },
        )
    if "/checkout/shipping-method/" in customer.url:
        customer.submit(customer.form(has="method_code"))
    assert "/checkout/payment-details/" in customer.url, f"not at the card step:\n{text_of(customer.page)}"
    customer.submit(customer.form(id="payment-form"), {"test_card": "visa"})
    assert "/checkout/preview/" in customer.url, text_of(customer.page)
    customer.submit(customer.form(action="/checkout/preview/", has="action"))
    assert "/checkout/thank-you/" in customer.url, f"the order was not placed:\n{text_of(customer.page)}"
    number = re.search(r"Order (\d+)", html.unescape(customer.page)).group(1)

    # --- Fill, dispense and ship ---------------------------------------------------------------------------------
    step[0] = "technician scans the pack at the fill screen"
    technician.get("/dashboard/pharmacy/dispense/fill/")
    fill_link = re.search(rf'href="([^"]*/order/{number}/fill/)"', technician.page)
    assert fill_link, f"order {number} is not in the fill queue:\n{text_of(technician.page)}"
    technician.get(html.unescape(fill_link.group(1)))
    documented("`RXSHOP_SCAN_GS_SUBSTITUTE`")
    lot = "SMOKE-LOT-1"
    technician.submit(
        technician.form(has="code"),
        {"code": wedge_scan(DOXYCYCLINE_NDC, expires_on=shop_today() + datetime.timedelta(days=730), lot=lot)},
    )
    technician.expect(f"Pack NDC {DOXYCYCLINE_NDC} lot {lot} counted for Doxycycline hyclate 100 mg capsules (28)")
    technician.expect("1 of 1 pack(s) counted")

    step[0] = "pharmacist dispenses"
    pharmacist.get(f"/dashboard/pharmacy/dispense/order/{number}/")
    release = pharmacist.form(has="medication_guide_included")
    pharmacist.submit(
        release,
        {
            "medication_guide_included": "on",
            "counselling_answer": release.option("counselling_answer", "Accepted"),
            "counselled_by": "Priya Smoke, PharmD",
            "counselled_at": f"{datetime.datetime.now(ZoneInfo('America/New_York')):%Y-%m-%dT%H:%M}",
            "counselling_notes": "Take with a full glass of water; avoid the sun.",
        },
    )
    pharmacist.expect(f"Order {number} dispensed")

    step[0] = "pharmacist ships with a tracking number"
    pharmacist.get(f"/dashboard/pharmacy/ship/order/{number}/")
    pharmacist.submit(
        pharmacist.form(has="tracking_number"),
        {"carrier": "usps", "tracking_number": TRACKING, "shipped_on": shop_today().isoformat()},
    )
    pharmacist.expect(f"Parcel of order {number} recorded")
    shipped = stack.wait_for_email(CUSTOMER_EMAIL, f"Your order {number} is on its way")
    assert TRACKING in body_of(shipped)
    customer.get(f"/accounts/orders/{number}/")
    customer.expect("Shipped")
    stack.alive()


def body_of(message) -> str:
    part = message.get_body(preferencelist=("plain", "html"))
    return (part or message).get_content()


def shop_today() -> datetime.date:
    """Today where the pharmacy is (TIME_ZONE), the date the server compares with."""
    return datetime.datetime.now(ZoneInfo("America/New_York")).date()


DOXYCYCLINE_NDC = "10544-060-28"  # doxycycline hyclate 100 mg, 28 capsules (ndc_data/PROVENANCE.md)


def wedge_scan(ndc: str, *, expires_on: datetime.date, lot: str) -> str:
    """What a keyboard-wedge scanner types for the pack's GS1 DataMatrix (a real symbol, decoded):
    GTIN-14 (01), expiry (17), lot (10), serial (21), the group separator sent as
    RXSHOP_SCAN_GS_SUBSTITUTE's default ``|``; the Enter that submits the form is not in the field."""
    from tests.factories.packs import pack_symbol, scanner_string

    serial = f"SMOKE{time.time_ns() % 10**9:09d}"
    return scanner_string(pack_symbol(ndc, lot=lot, serial=serial, expires_on=expires_on), separator="|").rstrip("\r")


def open_from_queue(person: Person, reference: str) -> None:
    person.get("/dashboard/pharmacy/")
    row = re.search(rf"(?s)<tr\b(?:(?!</tr>).)*{reference}(?:(?!</tr>).)*</tr>", person.page)
    assert row, f"{person.who}: {reference} is not in the queue:\n{text_of(person.page)}"
    claim = re.search(r'action="([^"]*/claim/)"', row.group())
    if claim:
        person.submit(person.form(action=html.unescape(claim.group(1))))
    else:
        person.get(re.search(r'href="([^"]*/prescriptions/[0-9a-f-]{36}/)"', row.group()).group(1))
    person.expect("You are working on this prescription")


def prescription_pdf(*lines: str) -> bytes:
    from tests.e2e.journeys import prescription_pdf as draw

    return draw(*lines)
