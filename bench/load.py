"""Orders per second, end to end, as in production: gunicorn (2 sync workers,
DEBUG=False, DJANGO_ENV=production), a Celery worker on Redis, localstripe,
and a load generator in this process (threads, ``requests``) on 127.0.0.1 —
for rxshop, for stock django-oscar on the same database, or both.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rxshop_bench \
        .venv/bin/python bench/load.py --mode both --users 8 --seconds 60

Each virtual user signs in once as its own generated customer (before the
measured window: a password check costs ~0.3 s of CPU by design) and makes
``--warmup`` unmeasured journeys (default 1: each gunicorn worker's first pass
through a page compiles its templates), then, until the window closes, repeats
an over-the-counter purchase: product page, add to basket, basket, checkout,
shipping address (redirected on to payment details), then

- rxshop (``--mode rxshop``): the visa test card (localstripe) posted to the
  preview, which redirects to the preview page; place order (authorises the
  card), thank-you page. Afterwards it
  waits for the Celery worker to drain and checks that nothing was lost: every
  order placed in the window has a live payment authorisation, an outbox row
  that was relayed, and its confirmation e-mail claimed (``SentNotification``)
  and written (file backend).
- stock oscar (``--mode stock``: ``bench.stock_settings`` under the same
  gunicorn and environment): stock oscar's PaymentDetailsView, which takes no
  payment — preview, place order, thank-you page. Stock oscar sends the order
  e-mail synchronously inside "place order" (``OrderPlacementMixin`` →
  ``Dispatcher``, Django's mail backend), so there is no Celery worker and no
  localstripe. Checked afterwards: every thank-you page has its order, with
  lines, and its e-mail written; nothing was queued on the broker.
- ``--mode both`` runs rxshop then stock with the same users and seconds
  (``--rounds N`` alternates them N times) and prints them side by side.

CPU per order, per process group, from ``/proc/<pid>/stat`` (utime + stime,
plus cutime + cstime: children that a member reaped), taken when the window
opens and after the last order's work is done (rxshop: after the worker has
drained), divided by every order placed by the users in that time:

- web: the gunicorn session (master and workers); worker: the Celery worker;
  Stripe: localstripe; load generator: this process (``os.times``);
- database: the PostgreSQL backends connected to the bench database (found by
  their process title, polled every 0.5 s so that a backend that comes or goes
  during the run counts; this process's own connection is left out);
- database server: the whole PostgreSQL process tree (postmaster, its live
  children, and the children it reaped: WAL writer, checkpointer, autovacuum,
  and any other database's backends — on a quiet machine, the database's
  whole cost);
- machine: busy CPU of the whole machine (``/proc/stat``), as cores busy.

Prescription orders are not part of the journey (they need a verified
prescription per customer, set up through the review services); see README.
Bounded: ``--seconds`` (at most 300), ``--users`` (at most 32), ``--rounds``
(at most 5). Redis db 13 (this benchmark's own) is purged before each run.
"""

from __future__ import annotations

import argparse
import datetime as dt
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
TICK = os.sysconf("SC_CLK_TCK")
GROUPS = ["web", "database", "database server", "worker", "Stripe", "load generator"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(url: str, seconds: float = 60, processes=()) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for proc in processes:
            if proc.poll() is not None:
                raise RuntimeError(f"{proc.args[:4]} exited with {proc.returncode} (see its log)")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"{url} did not answer within {seconds}s")


# --- CPU per process, from /proc ------------------------------------------------------------


def read_stat(pid: int) -> tuple[int, int, int] | None:
    """(parent pid, session id, CPU ticks of the process and of the children it reaped)."""
    try:
        data = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = data[data.rindex(")") + 2 :].split()  # fields[0] is field 3 (state) of proc(5)
    return int(fields[1]), int(fields[3]), sum(int(f) for f in fields[11:15])


def all_processes() -> dict[int, tuple[int, int, int]]:
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = read_stat(int(entry))
            if stat:
                found[int(entry)] = stat
    return found


def machine_busy() -> float:
    """Seconds of CPU the whole machine spent busy (all cores), from /proc/stat."""
    fields = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)  # idle + iowait
    return (sum(fields[:8]) - idle) / TICK


class CPUMeter:
    """CPU seconds per process group between ``start()`` and ``stop()``."""

    def __init__(self, sessions: dict[str, int], postmaster: int, dbname: str, own_backend: int):
        self.sessions, self.postmaster, self.dbname, self.own_backend = sessions, postmaster, dbname, own_backend
        self.backends: dict[int, list[int]] = {}  # pid -> [ticks at first sight, ticks last seen]
        self.titles: dict[int, bool] = {}
        self.stopping = threading.Event()
        self.poller = threading.Thread(target=self.poll, daemon=True)

    def is_bench_backend(self, pid: int) -> bool:
        if pid not in self.titles:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                return False
            self.titles[pid] = f" {self.dbname} " in title and pid != self.own_backend
        return self.titles[pid]

    def sample_backends(self, processes, first: bool = False) -> None:
        for pid, (ppid, _session, ticks) in processes.items():
            if ppid != self.postmaster or not self.is_bench_backend(pid):
                continue
            if pid not in self.backends:
                # Existing when the window opened: count from now; born later: count from birth.
                self.backends[pid] = [ticks if first else 0, ticks]
            else:
                self.backends[pid][1] = ticks

    def poll(self) -> None:
        while not self.stopping.wait(0.5):
            self.sample_backends(all_processes())

    def snapshot(self, processes) -> dict[str, float]:
        totals = {name: 0 for name in self.sessions}
        server = 0
        for pid, (ppid, session, ticks) in processes.items():
            for name, leader in self.sessions.items():
                if session == leader:
                    totals[name] += ticks
            if pid == self.postmaster or ppid == self.postmaster:
                server += ticks
        times = os.times()
        return {
            **{name: ticks / TICK for name, ticks in totals.items()},
            "database server": server / TICK,
            "load generator": times.user + times.system,
            "machine": machine_busy(),
            "wall": time.monotonic(),
        }

    def start(self) -> None:
        processes = all_processes()
        self.before = self.snapshot(processes)
        self.sample_backends(processes, first=True)
        self.poller.start()

    def stop(self) -> dict[str, float]:
        self.stopping.set()
        self.poller.join()
        processes = all_processes()
        after = self.snapshot(processes)
        self.sample_backends(processes)
        spent = {name: after[name] - self.before[name] for name in after}
        spent["database"] = sum(last - first for first, last in self.backends.values()) / TICK
        spent["database backends seen"] = len(self.backends)
        return spent


# --- The virtual customer -------------------------------------------------------------------


class VirtualUser(threading.Thread):
    def __init__(self, base: str, email: str, products: list[tuple[int, str]], clock: dict, stock: bool):
        super().__init__(daemon=True)
        import requests

        self.base, self.email, self.products, self.clock, self.stock = base, email, products, clock, stock
        self.session = requests.Session()
        self.orders: list[float] = []  # seconds per journey completed within the window
        self.placed = 0  # thank-you pages reached, the window's tail included
        self.place_ms: list[float] = []
        self.errors: list[str] = []
        self.warmup_errors: list[str] = []
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
        # rxshop: on to the card form; stock oscar: shipping method and payment method
        # redirect on (one method each) to its payment details page, which takes nothing.
        self.post("/checkout/shipping-address/", ADDRESS).raise_for_status()
        if self.stock:
            self.get("/checkout/preview/").raise_for_status()
        else:  # the card is posted to the preview URL, which redirects to the preview page
            self.post("/checkout/preview/", {"test_card": "visa"}).raise_for_status()
        start = time.perf_counter()
        response = self.post("/checkout/preview/", {"action": "place_order"})
        self.place_ms.append((time.perf_counter() - start) * 1000)
        if "thank-you" not in response.url:
            raise RuntimeError(f"place order ended at {response.url} ({response.status_code})")
        response.raise_for_status()
        self.placed += 1

    def run(self) -> None:
        try:
            self.login()
        except Exception as exc:  # noqa: BLE001
            self.errors.append(f"login: {exc}")
            self.ready.set()
            return
        # Warm-up (not measured): the first pass through each page costs each gunicorn worker
        # its template compilation and lazy imports.
        for _ in range(self.clock["warmup"]):
            try:
                self.journey()
            except Exception as exc:  # noqa: BLE001
                self.warmup_errors.append(f"{type(exc).__name__}: {exc}"[:200])
        self.placed = 0
        self.place_ms.clear()
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


# --- One run ----------------------------------------------------------------------------------


def base_env(tmp: Path, mail_dir: Path, base: str, stripe_port: int, broker: str) -> dict:
    return {
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


def placed_since(db, since, emails) -> list[int]:
    return [
        i
        for (i,) in db.execute(
            "SELECT o.id FROM order_order o JOIN auth_user u ON u.id = o.user_id WHERE o.date_placed >= %s "
            "AND u.email = ANY(%s)",
            [since, emails],
        ).fetchall()
    ]


def drain(db, ids: list[int], seconds: float) -> None:
    """Wait until rxshop's worker has claimed the confirmation e-mail of every order in ``ids``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        pending = db.execute(
            "SELECT count(*) FROM unnest(%s::int[]) AS o(id) WHERE NOT EXISTS (SELECT 1 FROM "
            "pharmacy_sentnotification s WHERE s.key = 'order-placed:' || o.id)",
            [ids],
        ).fetchone()[0]
        if not pending:
            return
        time.sleep(0.5)


def count_mails(mail_dir: Path) -> int:
    return sum(len(p.read_text(errors="replace").split("\nSubject: ")[1:]) for p in mail_dir.glob("*.log"))


def run_once(mode: str, args, url: str, db) -> dict:
    stock = mode == "stock"
    broker = os.environ.get("BENCH_REDIS", "redis://127.0.0.1:6379") + "/13"
    tmp = Path(tempfile.mkdtemp(prefix=f"rxshop-load-{mode}-"))
    mail_dir = tmp / "mail"
    mail_dir.mkdir()
    stripe_port, web_port = free_port(), free_port()
    base = f"http://127.0.0.1:{web_port}"
    env = base_env(tmp, mail_dir, base, stripe_port, broker)
    if not (STATIC_ROOT / "staticfiles.json").exists():
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    if stock:
        # Same environment, stock oscar's settings. The journey lists no catalogue page, so
        # stock oscar runs on haystack's simple engine like rxshop (no Whoosh index needed).
        env["DJANGO_SETTINGS_MODULE"] = "bench.stock_settings"
        env["BENCH_STOCK_SEARCH"] = "simple"
    processes: dict[str, subprocess.Popen] = {}

    def start(name, cmd):
        log = open(tmp / f"{name}.log", "w")
        processes[name] = subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )

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
    own_backend = db.execute("SELECT pg_backend_pid()").fetchone()[0]
    postmaster = read_stat(own_backend)[0]
    dbname = urlparse(url).path.lstrip("/")
    result = {"mode": mode}
    try:
        if not stock:
            start(
                "localstripe",
                [
                    sys.executable,
                    "-c",
                    "from aiohttp import web; from localstripe.server import app; "
                    f"web.run_app(app, host='127.0.0.1', port={stripe_port}, print=None)",
                ],
            )
            wait_for(f"http://127.0.0.1:{stripe_port}/v1/customers", processes=list(processes.values()))
            start(
                "celery", [sys.executable, "-m", "celery", "-A", "shop", "worker", "--pool=solo", "--loglevel=WARNING"]
            )
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
        wait_for(base + products[0][1], processes=list(processes.values()))
        clock = {"go": threading.Event(), "deadline": 0.0, "warmup": args.warmup}
        users = [VirtualUser(base, email, products, clock, stock) for email in emails]
        warmup_start = db.execute("SELECT now()").fetchone()[0]
        for user in users:
            user.start()
        for user in users:
            user.ready.wait(300)
        if not stock:  # the warm-up's e-mails are sent before the window opens
            drain(db, placed_since(db, warmup_start, emails), 60)
        names = {"web": "gunicorn", "worker": "celery", "Stripe": "localstripe"}
        meter = CPUMeter(
            {group: processes[name].pid for group, name in names.items() if name in processes},
            postmaster,
            dbname,
            own_backend,
        )
        mails_before = count_mails(mail_dir)
        load_before = os.getloadavg()
        window_start = db.execute("SELECT now()").fetchone()[0]
        meter.start()
        clock["deadline"] = time.monotonic() + args.seconds
        clock["go"].set()
        for user in users:
            user.join(args.seconds + 90)
        window_end = window_start + dt.timedelta(seconds=args.seconds)
        journeys = [t for u in users for t in u.orders]
        place = [t for u in users for t in u.place_ms]
        errors = [e for u in users for e in u.errors]
        thank_you = sum(u.placed for u in users)
        ids = placed_since(db, window_start, emails)
        if not stock:  # nothing lost: wait for the worker to send every confirmation (its CPU counts)
            drain(db, ids, 120)
        spent = meter.stop()
        load_after = os.getloadavg()
        in_window = db.execute(
            "SELECT count(*) FROM order_order WHERE id = ANY(%s) AND date_placed < %s", [ids, window_end]
        ).fetchone()[0]
        with_lines = db.execute(
            "SELECT count(DISTINCT order_id) FROM order_line WHERE order_id = ANY(%s)", [ids]
        ).fetchone()[0]
        wall = spent.pop("wall")
        machine = spent.pop("machine")
        backends = spent.pop("database backends seen")
        result.update(
            {
                "users": len(users),
                "seconds": args.seconds,
                "gunicorn_workers": args.workers,
                "orders_per_second": in_window / args.seconds,
                "orders_in_window_db": in_window,
                "orders_measured": len(ids),
                "journeys_completed": len(journeys),
                "thank_you_pages": thank_you,
                "journey_s_p50": statistics.median(journeys) if journeys else None,
                "place_order_ms_p50": statistics.median(place) if place else None,
                "place_order_ms_p95": sorted(place)[int(0.95 * (len(place) - 1))] if place else None,
                "errors": len(errors),
                "error_samples": errors[:5],
                "warmup_journeys_per_user": args.warmup,
                "warmup_errors": [e for u in users for e in u.warmup_errors][:5],
                "cpu_seconds": {g: round(spent[g], 3) for g in GROUPS if g in spent},
                "cpu_ms_per_order": {g: spent[g] * 1000 / len(ids) if ids else None for g in GROUPS if g in spent},
                "database_backends_seen": backends,
                "measured_seconds": wall,
                "machine_cores_busy": machine / wall,
                "machine_cpu_ms_per_order": machine * 1000 / len(ids) if ids else None,
                "loadavg_before": load_before,
                "loadavg_after": load_after,
                "orders_with_lines": with_lines,
                "emails_written": count_mails(mail_dir) - mails_before,
            }
        )
        if stock:
            import redis

            result["nothing_lost"] = with_lines == len(ids) >= thank_you and result["emails_written"] == len(ids)
            result["tasks_left_on_broker"] = redis.Redis.from_url(broker).llen("celery")
        else:
            checks = db.execute(
                "SELECT count(*), "
                "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payments_paymentauthorisation a "
                "  WHERE a.order_id = o.id AND a.state = 'authorised')), "
                "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM payment_source s WHERE s.order_id = o.id)), "
                "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pharmacy_outboxmessage m WHERE "
                "  m.task_name LIKE '%%send_order_placed_email' AND m.args = jsonb_build_array(o.id) "
                "  AND m.sent_at IS NOT NULL)), "
                "count(*) FILTER (WHERE EXISTS (SELECT 1 FROM pharmacy_sentnotification s "
                "  WHERE s.key = 'order-placed:' || o.id)) "
                "FROM unnest(%s::int[]) AS o(id)",
                [ids],
            ).fetchone()
            result.update(
                {
                    "with_authorisation": checks[1],
                    "with_payment_source": checks[2],
                    "outbox_relayed": checks[3],
                    "email_claimed": checks[4],
                }
            )
            result["nothing_lost"] = len(ids) >= thank_you and set(checks[1:]) | {
                with_lines,
                result["emails_written"],
            } == {len(ids)}
        result["logs"] = str(tmp)
    finally:
        for proc in reversed(list(processes.values())):
            try:
                os.killpg(proc.pid, signal.SIGTERM)
                proc.wait(timeout=20)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=20)
    return result


# --- Side by side -----------------------------------------------------------------------------


def median_of(runs: list[dict], key, group=None):
    values = [(r[key][group] if group else r[key]) for r in runs]
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(runs: list[dict]) -> dict:
    """Per mode: the median over its runs of each figure."""
    summary = {}
    for mode in ["rxshop", "stock"]:
        mine = [r for r in runs if r["mode"] == mode]
        if not mine:
            continue
        summary[mode] = {
            "runs": len(mine),
            **{
                key: median_of(mine, key)
                for key in [
                    "orders_per_second",
                    "orders_measured",
                    "journey_s_p50",
                    "place_order_ms_p50",
                    "place_order_ms_p95",
                    "errors",
                    "machine_cores_busy",
                    "machine_cpu_ms_per_order",
                ]
            },
            "cpu_ms_per_order": {
                g: median_of(mine, "cpu_ms_per_order", g) for g in GROUPS if g in mine[0]["cpu_ms_per_order"]
            },
            "loadavg_before": [r["loadavg_before"][0] for r in mine],
            "loadavg_after": [r["loadavg_after"][0] for r in mine],
            "nothing_lost": all(r["nothing_lost"] for r in mine),
        }
    return summary


def render(summary: dict) -> str:
    rx, st = summary.get("rxshop"), summary.get("stock")

    def cell(side, value, fmt):
        return "–" if side is None or value is None else format(value, fmt)

    def ratio(a, b):
        return f"{a / b:.2f}×" if a and b else "–"

    rows = [
        ("orders/s", "orders_per_second", ".2f"),
        ("orders measured (window and its tail)", "orders_measured", ".0f"),
        ("journey p50 (s)", "journey_s_p50", ".2f"),
        ("place order p50 (ms)", "place_order_ms_p50", ".0f"),
        ("place order p95 (ms)", "place_order_ms_p95", ".0f"),
        ("errors", "errors", ".0f"),
    ]
    lines = [
        "| | rxshop | stock oscar | rxshop ÷ stock | stock ÷ rxshop |",
        "|---|---:|---:|---:|---:|",
    ]
    for label, key, fmt in rows:
        a, b = (rx or {}).get(key), (st or {}).get(key)
        lines.append(f"| {label} | {cell(rx, a, fmt)} | {cell(st, b, fmt)} | {ratio(a, b)} | {ratio(b, a)} |")
    labels = {
        "web": "CPU ms/order: web (gunicorn master + workers)",
        "database": "CPU ms/order: database (bench DB backends)",
        "database server": "CPU ms/order: database server (whole PostgreSQL tree)",
        "worker": "CPU ms/order: worker (Celery)",
        "Stripe": "CPU ms/order: Stripe server (localstripe)",
        "load generator": "CPU ms/order: load generator (this process)",
    }
    for group in GROUPS:
        a = (rx or {}).get("cpu_ms_per_order", {}).get(group)
        b = (st or {}).get("cpu_ms_per_order", {}).get(group)
        if a is None and b is None:
            continue
        lines.append(
            f"| {labels[group]} | {cell(rx, a, '.0f')} | {cell(st, b, '.0f')} | {ratio(a, b)} | {ratio(b, a)} |"
        )
    a, b = (rx or {}).get("machine_cpu_ms_per_order"), (st or {}).get("machine_cpu_ms_per_order")
    lines.append(
        f"| CPU ms/order: whole machine | {cell(rx, a, '.0f')} | {cell(st, b, '.0f')} | {ratio(a, b)} | {ratio(b, a)} |"
    )
    a, b = (rx or {}).get("machine_cores_busy"), (st or {}).get("machine_cores_busy")
    lines.append(f"| cores busy (whole machine) | {cell(rx, a, '.2f')} | {cell(st, b, '.2f')} | | |")

    def loads(side):
        if not side:
            return "–"
        return ", ".join(f"{x:.2f}→{y:.2f}" for x, y in zip(side["loadavg_before"], side["loadavg_after"], strict=True))

    lines.append(f"| load average (1 min) start→end, per run | {loads(rx)} | {loads(st)} | | |")
    lines.append(
        f"| nothing lost | {'–' if not rx else ('yes' if rx['nothing_lost'] else 'NO')} "
        f"| {'–' if not st else ('yes' if st['nothing_lost'] else 'NO')} | | |"
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["rxshop", "stock", "both"], default="rxshop")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--warmup", type=int, default=1, help="unmeasured journeys per user before the window")
    parser.add_argument("--rounds", type=int, default=1, help="with --mode both: alternate rxshop and stock N times")
    parser.add_argument("--json", default="", help="write every run and the summary to this file")
    args = parser.parse_args()
    args.users, args.seconds, args.rounds = min(args.users, 32), min(args.seconds, 300), max(1, min(args.rounds, 5))
    args.warmup = max(0, min(args.warmup, 5))
    url = os.environ.get("DATABASE_URL", "")
    if "bench" not in urlparse(url).path:
        raise SystemExit("set DATABASE_URL to a generated bench database (bench/generate.py)")
    modes = ["rxshop", "stock"] if args.mode == "both" else [args.mode]
    import psycopg

    runs = []
    with psycopg.connect(url, autocommit=True) as db:
        for round_ in range(args.rounds):
            for mode in modes:
                sys.stderr.write(f"round {round_ + 1}/{args.rounds}: {mode}, load {os.getloadavg()[0]:.2f} ...\n")
                runs.append(run_once(mode, args, url, db))
                sys.stderr.write(
                    f"  {runs[-1]['orders_per_second']:.2f} orders/s, {runs[-1]['errors']} errors, "
                    f"logs in {runs[-1]['logs']}\n"
                )
    summary = summarise(runs)
    report = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "cpus": os.cpu_count(),
        "database": urlparse(url).path.lstrip("/"),
        "summary": summary,
        "runs": runs,
    }
    print(json.dumps(runs if len(runs) > 1 else runs[0], indent=1, default=str))
    print(render(summary))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=1, default=str))


if __name__ == "__main__":
    main()
