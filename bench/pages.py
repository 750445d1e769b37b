"""Server time and queries per request of the storefront and the pharmacy
pages, in-process (Django test ``Client``, ``CaptureQueriesContext``), with
DEBUG=False and production static files, against a generated database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rxshop_bench \
        .venv/bin/python bench/pages.py --runs 3 --iterations 40

Each run starts two fresh processes, one after the other: rxshop
(``shop.settings``) and stock django-oscar on the same database
(``bench.stock_settings``, storefront pages only); ``--runs`` alternates them
so that the machine's load hits both alike. A process warms up (one journey),
then does ``--iterations`` customer journeys (each as a different generated
customer: home, category, Rx and OTC product pages, add to basket, basket,
every checkout step, place order with a test card on localstripe) and as many
rounds of the pharmacy pages (queue first page and a later page, the review
screen of an open prescription, the checks with the drug-utilisation review run
again and the review screen showing them, the inspector's history of a decided
one, the access log, refills due, the ship list, a recall query by lot, "my
prescriptions" of the customer with 60 prescriptions). Prints p50/p95 per page
and the median over runs; ``--json`` writes everything.

Not in the test suite: run it on demand.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATIC_ROOT = ROOT / "var" / "bench-static"
STOREFRONT = [
    "home",
    "category",
    "product (Rx)",
    "product (OTC)",
    "basket add",
    "basket",
    "checkout: start",
    "checkout: shipping address",
    "checkout: address submit",
    "checkout: shipping method",
    "checkout: payment method",
    "checkout: payment details",
    "checkout: card submit",
    "checkout: preview",
    "place order",
    "thank you",
]
PHARMACY = [
    "pharmacist queue",
    "pharmacist queue (page 3)",
    "review screen",
    "review: run checks (DUR)",
    "review screen (DUR)",
    "inspector history",
    "access log",
    "refills due",
    "ship list",
    "recall query",
    "my prescriptions",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def pct(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


# --- One measuring process ----------------------------------------------------------------


def worker(args) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from oscar.core.loading import get_model

    # No setup_test_environment(): its instrumented template rendering copies every
    # context and would inflate the times; e-mail goes to memory via EMAIL_BACKEND.
    settings.DEBUG = False
    stock = args.stock
    User = get_user_model()
    Product = get_model("catalogue", "Product")
    Category = get_model("catalogue", "Category")
    results: dict[str, dict[str, list]] = {}

    def timed(name, method, client, path, data=None, expect=(200, 302)):
        # The test client's request_started clears the query log: start from an empty one, or a log
        # left full by work outside a request (the search index) would count 0 queries.
        connection.queries_log.clear()
        with CaptureQueriesContext(connection) as queries:
            start, cpu = time.perf_counter(), time.process_time()
            response = getattr(client, method)(path, data or {})
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        if response.status_code not in expect:
            raise RuntimeError(f"{name}: {method.upper()} {path} gave {response.status_code}")
        entry = results.setdefault(name, {"ms": [], "cpu_ms": [], "queries": []})
        if not warming:
            entry["ms"].append(elapsed * 1000)
            entry["cpu_ms"].append(cpu * 1000)
            entry["queries"].append(len(queries))
        return response

    rx_product = (
        Product.objects.filter(upc__startswith="BENCH", product_class__slug="prescription-medicine")
        .exclude(title__icontains="tramadol")
        .order_by("id")[3]
    )
    otc_products = list(
        Product.objects.filter(upc__startswith="BENCH")
        .exclude(product_class__slug="prescription-medicine")
        .order_by("id")[:50]
    )
    category = Category.objects.get(slug="skin-care")
    customers = list(
        User.objects.filter(email__startswith="customer", email__endswith="@bench.example")
        .order_by("id")
        .values_list("id", flat=True)[: args.iterations + 20]
    )
    address = {
        "first_name": "Ann",
        "last_name": "Bench",
        "line1": "1 Main Street",
        "line4": "Albany",
        "state": "NY",
        "postcode": "12207",
        "country": "US",
        "phone_number": "",
    }

    def journey(n):
        client = Client()
        client.force_login(User.objects.get(pk=customers[n]))
        otc = otc_products[n % len(otc_products)]
        timed("home", "get", client, "/catalogue/")
        timed("category", "get", client, category.get_absolute_url())
        timed("product (Rx)", "get", client, rx_product.get_absolute_url())
        timed("product (OTC)", "get", client, otc.get_absolute_url())
        timed("basket add", "post", client, f"/basket/add/{otc.pk}/", {"quantity": 1})
        timed("basket", "get", client, "/basket/")
        timed("checkout: start", "get", client, "/checkout/")
        timed("checkout: shipping address", "get", client, "/checkout/shipping-address/")
        timed("checkout: address submit", "post", client, "/checkout/shipping-address/", address)
        timed("checkout: shipping method", "get", client, "/checkout/shipping-method/")
        timed("checkout: payment method", "get", client, "/checkout/payment-method/")
        timed("checkout: payment details", "get", client, "/checkout/payment-details/")
        if not stock:
            timed("checkout: card submit", "post", client, "/checkout/preview/", {"test_card": "visa"})
        timed("checkout: preview", "get", client, "/checkout/preview/")
        response = timed("place order", "post", client, "/checkout/preview/", {"action": "place_order"})
        if response.status_code != 302 or "thank-you" not in response["Location"]:
            raise RuntimeError(
                f"place order did not reach thank-you: {response.status_code} {response.get('Location')}"
            )
        timed("thank you", "get", client, "/checkout/thank-you/")

    def shown(name, client, path, *, contains):
        """A GET that must answer 200 with ``contains`` in it (not an empty page)."""
        response = timed(name, "get", client, path, expect=(200,))
        if contains.encode() not in response.content:
            raise RuntimeError(f"{name}: GET {path} does not show {contains!r}: it would measure nothing")
        return response

    def pharmacy_round(n, staff, heavy_client, open_rx, decided_rx, dur_rx, lot, recall_order):
        timed("pharmacist queue", "get", staff, "/dashboard/pharmacy/")
        # a later page (keyset cursor two pages on)
        timed("pharmacist queue (page 3)", "get", staff, f"/dashboard/pharmacy/?after={global_cursor[1]}")
        timed("review screen", "get", staff, f"/dashboard/pharmacy/prescriptions/{open_rx[n % len(open_rx)]}/")
        # Drug-utilisation review: the checks run again (the rules with DUR, against the patient's other
        # active medicines, stored as a new evaluation), then the review screen that shows their findings.
        # The heavy customer's in-review prescription: claimed by the pharmacist, 20-odd other medicines.
        dur_path = f"/dashboard/pharmacy/prescriptions/{dur_rx}/"
        response = timed("review: run checks (DUR)", "post", staff, f"{dur_path}checks/", expect=(302,))
        if not response["Location"].endswith("#checks"):
            raise RuntimeError(f"run checks did not come back to the checks: {response['Location']}")
        shown("review screen (DUR)", staff, dur_path, contains="Drug-utilisation review: ")
        timed("inspector history", "get", staff, f"/dashboard/pharmacy/history/{decided_rx[n % len(decided_rx)]}/")
        shown("access log", staff, "/dashboard/pharmacy/access-log/", contains="<td")
        shown("refills due", staff, "/dashboard/pharmacy/refills/", contains=refill_marker[0])
        shown("ship list", staff, "/dashboard/pharmacy/ship/", contains="/dashboard/pharmacy/ship/order/")
        shown(
            "recall query",
            staff,
            f"/dashboard/pharmacy/dispense/recall/?lot={lot}",
            contains=f"<td>{recall_order}</td>",
        )
        timed("my prescriptions", "get", heavy_client, "/prescriptions/")

    global_cursor = [None, None]
    refill_marker = [""]
    warming = True
    journey(len(customers) - 1)
    warming = False
    for n in range(args.iterations):
        journey(n)
    if not stock:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        from prescriptions.models import Prescription
        from prescriptions.review import selectors

        pharmacist = User.objects.get(email="pharmacist@example.com")
        staff = Client()
        staff.force_login(pharmacist)
        session = staff.session
        session[DEVICE_ID_SESSION_KEY] = (
            TOTPDevice.objects.filter(user=pharmacist, confirmed=True).first().persistent_id
        )
        session.save()
        heavy_client = Client()
        heavy_client.force_login(User.objects.get(email="heavy@bench.example"))
        page = selectors.review_queue(user=pharmacist, filters=selectors.QueueFilters())
        page = selectors.review_queue(user=pharmacist, filters=selectors.QueueFilters(), after=page.next_cursor)
        global_cursor[1] = page.next_cursor or ""
        open_rx = list(
            Prescription.objects.filter(status="submitted").order_by("id").values_list("public_id", flat=True)[:50]
        )
        decided_rx = list(
            Prescription.objects.filter(status="used_up").order_by("id").values_list("public_id", flat=True)[:50]
        )
        # DUR: the heavy customer's in-review prescription with the most other active medicines, claimed
        # (again: the generated claim has lapsed) by the pharmacist so that the checks may run.
        from django.db.models import Count, Q

        from prescriptions.clinical import ACTIVE
        from prescriptions.dispensing.models import DispensedPack
        from prescriptions.review import services as review_services

        dur = (
            Prescription.objects.filter(status="in_review", customer__email="heavy@bench.example")
            .annotate(others=Count("patient__prescriptions", filter=Q(patient__prescriptions__status__in=ACTIVE)))
            .order_by("-others", "id")
            .first()
        )
        if dur is None:
            raise RuntimeError("no in-review prescription of heavy@bench.example: regenerate the database")
        review_services.claim_for_review(prescription=dur, reviewer=pharmacist)
        # Recall: the lot that went out in the most packs.
        lot = DispensedPack.objects.values("lot").annotate(n=Count("id")).order_by("-n", "lot").first()
        if lot is None:
            raise RuntimeError("no dispensed packs (lots) in this database: regenerate it (bench/generate.py)")
        recall_order = DispensedPack.objects.filter(lot=lot["lot"]).values_list(
            "dispense__order_line__order__number", flat=True
        )[0]
        # Refills due: the page must list a patient about to run out (a first upcoming refill's reference).
        from prescriptions import refills

        upcoming = refills.upcoming_refills_page(limit=refills.UPCOMING_PAGE).rows  # page one, as the page shows it
        if not upcoming:
            raise RuntimeError("no refills due in this database: regenerate it (bench/generate.py)")
        refill_marker[0] = upcoming[0].prescription.reference
        args_round = (staff, heavy_client, open_rx, decided_rx, dur.public_id, lot["lot"], recall_order)
        warming = True
        pharmacy_round(0, *args_round)
        warming = False
        for n in range(args.iterations):
            pharmacy_round(n, *args_round)
    from django.db import connection as conn

    with conn.cursor() as cur:
        cur.execute("SELECT count(*) FROM prescriptions_prescription")
        prescriptions = cur.fetchone()[0]
    Path(args.out).write_text(json.dumps({"stock": stock, "prescriptions": prescriptions, "pages": results}))


# --- The orchestrator -----------------------------------------------------------------------


def prepare(env, stock: bool) -> None:
    if not (STATIC_ROOT / "staticfiles.json").exists():
        sys.stderr.write("collectstatic (once) ...\n")
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
        )
    name = env["DATABASE_URL"].rsplit("/", 1)[-1]
    if stock and not (ROOT / "var" / "bench-whoosh" / name).exists():
        sys.stderr.write("stock oscar: building its Whoosh search index (once per database) ...\n")
        subprocess.run(
            [sys.executable, "manage.py", "rebuild_index", "--noinput", "-v", "0"],
            cwd=ROOT,
            env={**env, "DJANGO_SETTINGS_MODULE": "bench.stock_settings"},
            check=True,
        )


def run_all(args) -> None:
    env = {
        **os.environ,
        "DEBUG": "false",
        "STATIC_ROOT": str(STATIC_ROOT),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "AXES_FAILURE_LIMIT": "1000",
        "CELERY_BROKER_URL": "",
    }
    env.pop("CELERY_BROKER_URL")
    if not env.get("DATABASE_URL", "").startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a generated bench database (bench/generate.py)")
    prepare(env, stock=not args.no_stock)
    port = free_port()
    env["STRIPE_API_BASE"] = f"http://127.0.0.1:{port}"
    stripe = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from aiohttp import web; from localstripe.server import app; "
            f"web.run_app(app, host='127.0.0.1', port={port}, print=None)",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    runs = {"rxshop": [], "stock": []}
    try:
        time.sleep(2)
        with tempfile.TemporaryDirectory() as tmp:
            for run in range(args.runs):
                for kind in ["rxshop", "stock"] if not args.no_stock else ["rxshop"]:
                    out = Path(tmp) / f"{kind}-{run}.json"
                    settings = "bench.stock_settings" if kind == "stock" else "shop.settings"
                    cmd = [
                        sys.executable,
                        __file__,
                        "--worker",
                        "--out",
                        str(out),
                        "--iterations",
                        str(args.iterations),
                    ] + (["--stock"] if kind == "stock" else [])
                    started = time.monotonic()
                    subprocess.run(cmd, cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": settings}, check=True)
                    sys.stderr.write(
                        f"run {run + 1}/{args.runs} {kind}: {time.monotonic() - started:.0f}s, "
                        f"load {os.getloadavg()[0]:.2f}\n"
                    )
                    runs[kind].append(json.loads(out.read_text()))
    finally:
        stripe.terminate()
        stripe.wait(timeout=10)
    report = summarise(runs)
    print(render(report))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"summary": report, "runs": runs}, indent=1))


def summarise(runs) -> dict:
    """Per page and kind: median over runs of each run's p50 and p95, queries (min–max)."""
    report = {"prescriptions": runs["rxshop"][0]["prescriptions"], "loadavg": os.getloadavg(), "pages": {}}
    for page in STOREFRONT + PHARMACY:
        row = {}
        for kind, results in runs.items():
            per_run = [r["pages"][page] for r in results if page in r["pages"] and r["pages"][page]["ms"]]
            if not per_run:
                continue
            queries = sorted({q for r in per_run for q in r["queries"]})
            row[kind] = {
                "p50": statistics.median(pct(r["ms"], 0.5) for r in per_run),
                "p95": statistics.median(pct(r["ms"], 0.95) for r in per_run),
                "cpu_p50": statistics.median(pct(r.get("cpu_ms") or [float("nan")], 0.5) for r in per_run),
                "queries": f"{queries[0]}" if len(queries) == 1 else f"{queries[0]}–{queries[-1]}",
                "samples": sum(len(r["ms"]) for r in per_run),
            }
        if row:
            report["pages"][page] = row
    return report


def render(report) -> str:
    lines = [
        f"prescriptions in the database: {report['prescriptions']:,}",
        "| page | rxshop p50 ms | rxshop p95 ms | rxshop CPU p50 ms | queries | stock oscar p50 ms "
        "| stock CPU p50 ms | stock queries | ratio p50 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for page, row in report["pages"].items():
        rx, st = row.get("rxshop"), row.get("stock")
        cells = [page]
        cells += [f"{rx['p50']:.1f}", f"{rx['p95']:.1f}", f"{rx['cpu_p50']:.1f}", rx["queries"]] if rx else ["–"] * 4
        cells += [f"{st['p50']:.1f}", f"{st['cpu_p50']:.1f}", st["queries"]] if st else ["–"] * 3
        cells.append(f"{rx['p50'] / st['p50']:.2f}×" if rx and st else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--iterations", type=int, default=40)
    parser.add_argument("--json", default="")
    parser.add_argument("--no-stock", action="store_true")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--stock", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    if args.worker:
        worker(args)
    else:
        run_all(args)


if __name__ == "__main__":
    main()
