"""Orders per second, end to end, as in production: gunicorn (2 sync workers,
DEBUG=False, DJANGO_ENV=production), a Celery worker on Redis, localstripe,
and a load generator in this process (threads, ``requests``) on 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rxshop_bench \
        .venv/bin/python bench/load.py --users 8 --seconds 60

Each virtual user signs in once as its own generated customer (before the
measured window: a password check costs ~0.3 s of CPU by design), then, until
the window closes, repeats an over-the-counter purchase: product page, add to
basket, basket, checkout (address, card with the visa test card), preview,
place order, thank-you page. Afterwards it waits for the Celery worker to
drain and checks that nothing was lost: every order placed in the window has a
live payment authorisation, an outbox row that was relayed, and its
confirmation e-mail claimed (``SentNotification``) and written (file backend).

Prescription orders are not part of the journey (they need a verified
prescription per customer, set up through the review services); see README.
Bounded: ``--seconds`` (at most 300) and ``--users`` (at most 32). Redis db 13
(this benchmark's own) is purged before the run.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
STATIC_ROOT = ROOT / "var" / "bench-static"
SECRET = "bench-" + "k7Qp2Lx9Vb4Nz8Rw1Ty6Um3Is5Oa0Pd" * 2
PASSWORD = "bench-password-2026"
ADDRESS = {
    "first_name": "Ann",
    "last_name": "Bench",
    "line1": "1 Main Street",
    "line4": "Albany",
    "state": "NY",
    "postcode": "12207",
    "country": "US",
    "phone_number": "",
}


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


class VirtualUser(threading.Thread):
    def __init__(self, base: str, email: str, products: list[tuple[int, str]], deadline_holder: dict):
        super().__init__(daemon=True)
        import requests

        self.base, self.email, self.products, self.clock = base, email, products, deadline_holder
        self.session = requests.Session()
        self.orders: list[float] = []  # seconds per completed journey
        self.place_ms: list[float] = []
        self.errors: list[str] = []
        self.ready = threading.Event()

    def post(self, path, data, referer=None):
        data = {**data, "csrfmiddlewaretoken": self.session.cookies.get("csrftoken", "")}
        return self.session.post(
            self.base + path, data=data, headers={"Referer": self.base + (referer or path)}, timeout=60
        )

    def get(self, path):
        return self.session.get(self.base + path, timeout=60)

    def login(self) -> None:
        self.get("/accounts/login/")
        response = self.post(
            "/accounts/login/", {"login-username": self.email, "login-password": PASSWORD, "login_submit": "1"}
        )
        if "sessionid" not in self.session.cookies:
            raise RuntimeError(f"login failed for {self.email}: {response.status_code}")

    def journey(self) -> None:
        pk, url = random.choice(self.products)
        self.get(url).raise_for_status()
        self.post(f"/basket/add/{pk}/", {"quantity": 1}, referer=url).raise_for_status()
        self.get("/basket/").raise_for_status()
        self.get("/checkout/").raise_for_status()
        self.post("/checkout/shipping-address/", ADDRESS).raise_for_status()
        self.post("/checkout/preview/", {"test_card": "visa"}).raise_for_status()
        self.get("/checkout/preview/").raise_for_status()
        start = time.perf_counter()
        response = self.post("/checkout/preview/", {"action": "place_order"})
        self.place_ms.append((time.perf_counter() - start) * 1000)
        if "thank-you" not in response.url:
            raise RuntimeError(f"place order ended at {response.url} ({response.status_code})")

    def run(self) -> None:
        try:
            self.login()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"login: {exc}")
            self.ready.set()
            return
        self.ready.set()
        self.clock["go"].wait()
        while time.monotonic() < self.clock["deadline"]:
            start = time.perf_counter()
            try:
                self.journey()
                if time.monotonic() <= self.clock["deadline"]:
                    self.orders.append(time.perf_counter() - start)
            except Exception as exc:  # noqa: BLE001
                self.errors.append(f"{type(exc).__name__}: {exc}"[:200])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--json", default="")
    args = parser.parse_args()
    args.users, args.seconds = min(args.users, 32), min(args.seconds, 300)
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in urlparse(url).path:
        raise SystemExit("set DATABASE_URL to a generated bench database (bench/generate.py)")
    broker = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379") + "/13"
    tmp = Path(tempfile.mkdtemp(prefix="rxshop-load-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    stripe_port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
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
        "RXSHOP_VAR_DIR": str(tmp / "var"),
        "STATIC_ROOT": str(STATIC_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend",
        "EMAIL_FILE_PATH": str(mail_dir),
        "STRIPE_API_BASE": f"http://127.0.0.1:{stripe_port}",
        "STRIPE_SECRET_KEY": "sk_test_bench",
        "STRIPE_PUBLISHABLE_KEY": "pk_test_bench",
        "STRIPE_WEBHOOK_SECRET": "whsec_bench",
        "RXSHOP_VIRUS_SCANNING": "off",
        "RXSHOP_SITE_URL": base,
        "AXES_FAILURE_LIMIT": "1000",
        "CELERY_BROKER_URL": broker,
        "LOG_LEVEL": "WARNING",
        # A virtual user is one account placing an order every few seconds; the per-account
        # limit (10 an hour) would refuse it. The limiter still runs, at a rate never reached.
        "RXSHOP_PLACE_ORDER_RATE_LIMIT": "100000/h",
    }
    if not (STATIC_ROOT / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    processes = []

    def start(name, cmd):
        log = open(tmp / f"{name}.log", "w")
        processes.append(
            subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )

    import psycopg

    db = psycopg.connect(url, autocommit=True)
    products = [
        (pk, f"/catalogue/{slug}_{pk}/")
        for pk, slug in db.execute(
            "SELECT p.id, p.slug FROM catalogue_product p JOIN catalogue_productclass c ON c.id = p.product_class_id "
            "WHERE c.slug = 'over-the-counter' AND p.upc LIKE 'BENCH%%' ORDER BY p.id LIMIT 200"
        ).fetchall()
    ]
    offset = db.execute("SELECT count(*) FROM order_order WHERE number NOT LIKE '9%%'").fetchone()[0]
    emails = [
        e
        for (e,) in db.execute(
            "SELECT email FROM auth_user WHERE email LIKE 'customer%%@bench.example' ORDER BY id DESC "
            "OFFSET %s LIMIT %s",
            [offset % 1000 + 100, args.users],
        ).fetchall()
    ]
    subprocess.run(
        [sys.executable, "-m", "celery", "-A", "shop", "purge", "-f"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        timeout=60,
    )
    result = {}
    try:
        start(
            "localstripe",
            [
                sys.executable,
                "-c",
                "from aiohttp import web; from localstripe.server import app; "
                f"web.run_app(app, host='127.0.0.1', port={stripe_port}, print=None)",
            ],
        )
        wait_for(f"http://127.0.0.1:{stripe_port}/v1/customers")
        start("celery", [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "--loglevel=WARNING"])
        start(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "shop.wsgi",
                "--bind",
                f"127.0.0.1:{web_port}",
                "--workers",
                str(args.workers),
                "--timeout",
                "60",
            ],
        )
        wait_for(f"{base}/catalogue/")
        clock = {"go": threading.Event(), "deadline": 0.0}
        users = [VirtualUser(base, email, products, clock) for email in emails]
        for user in users:
            user.start()
        for user in users:
            user.ready.wait(120)
        load_before = os.getloadavg()
        window_start = db.execute("SELECT now()").fetchone()[0]
        clock["deadline"] = time.monotonic() + args.seconds
        clock["go"].set()
        for user in users:
            user.join(args.seconds + 90)
        import datetime as dt

        window_end = window_start + dt.timedelta(seconds=args.seconds)
        load_after = os.getloadavg()
        journeys = [t for u in users for t in u.orders]
        place = [t for u in users for t in u.place_ms]
        errors = [e for u in users for e in u.errors]
        # Nothing lost: wait for the worker to send every confirmation.
        ids = [
            i
            for (i,) in db.execute(
                "SELECT o.id FROM order_order o JOIN auth_user u ON u.id = o.user_id WHERE o.date_placed >= %s "
                "AND u.email = ANY(%s)",
                [window_start, emails],
            ).fetchall()
        ]
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            pending = db.execute(
                "SELECT count(*) FROM unnest(%s::int[]) AS o(id) WHERE NOT EXISTS (SELECT 1 FROM "
                "pharmacy_sentnotification s WHERE s.key = 'order-placed:' || o.id)",
                [ids],
            ).fetchone()[0]
            if not pending:
                break
            time.sleep(1)
        checks = db.execute(
            "SELECT count(*), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payments_paymentauthorisation a WHERE a.order_id = o.id "
            "  AND a.state = 'authorised')), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payment_source s WHERE s.order_id = o.id)), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pharmacy_outboxmessage m WHERE "
            "  m.task_name LIKE '%%send_order_placed_email' AND m.args = jsonb_build_array(o.id) "
            "  AND m.sent_at IS NOT NULL)), "
            "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pharmacy_sentnotification s "
            "  WHERE s.key = 'order-placed:' || o.id)) "
            "FROM unnest(%s::int[]) AS o(id)",
            [ids],
        ).fetchone()
        mails = sum(
            len([m for m in p.read_text(errors="replace").split("\nSubject: ")[1:]]) for p in mail_dir.glob("*.log")
        )
        completed_in_window = len(journeys)
        result = {
            "users": len(users),
            "seconds": args.seconds,
            "gunicorn_workers": args.workers,
            "orders_in_window_db": len(ids),
            "journeys_completed": completed_in_window,
            "orders_per_second": db.execute(
                "SELECT count(*) FROM order_order WHERE id = ANY(%s) AND date_placed < %s", [ids, window_end]
            ).fetchone()[0]
            / args.seconds,
            "journey_s_p50": statistics.median(journeys) if journeys else None,
            "place_order_ms_p50": statistics.median(place) if place else None,
            "place_order_ms_p95": sorted(place)[int(0.95 * (len(place) - 1))] if place else None,
            "errors": len(errors),
            "error_samples": errors[:5],
            "with_authorisation": checks[1],
            "with_payment_source": checks[2],
            "outbox_relayed": checks[3],
            "email_claimed": checks[4],
            "emails_written": mails,
            "loadavg_before": load_before,
            "loadavg_after": load_after,
        }
    finally:
        for proc in reversed(processes):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                os.killpg(proc.pid, signal.SIGKILL)
        db.close()
    print(json.dumps(result, indent=1, default=str))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1, default=str))
    sys.stderr.write(f"logs in {tmp}\n")


if __name__ == "__main__":
    main()
