"""Fill a PostgreSQL database with a shop at scale, for the benchmarks.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rxshop_bench \
        .venv/bin/python manage.py generate_bench_data --scale full      # or --scale tenth
    (or .venv/bin/python bench/generate.py --scale full)

Creates the database if it does not exist, runs ``migrate`` and ``load_demo``
(the demo catalogue, its product classes and attributes, the staff accounts),
then adds, with PostgreSQL COPY (psycopg 3), in one transaction per table:

==========================  ============  ============
what                        full          tenth
==========================  ============  ============
products (1/3 Rx)           5,000         500
customers (+ patients)      50,000        5,000
prescriptions, all states   200,000       20,000
orders (lines, addresses,   100,000       10,000
payment authorisations)
audit rows (events, file    1,000,000     100,000
accesses, evaluations)
==========================  ============  ============

plus transcriptions, claims and decisions for every prescription that reached
a pharmacist; the audit rows are status events, evaluations and the access
log (staff page views and file opens); the Rx lines of dispensed orders are
dispensed (dispense evaluation, fill scan, pack with its lot, counselling
offer), and every fifth verified prescription filled here has automatic
refills (with a saved card). One customer, ``heavy@bench.example``, has 60 prescriptions at
either scale (the "my prescriptions" benchmark reads that account). The rows
bypass the models' save() on purpose (COPY), as a data import would; states and
their histories are consistent (an event for every status change, a decision
for every decided prescription). Refuses a database whose name does not
contain "bench". Deterministic (seeded).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import random
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

# "tiny" (a thousandth) is for the generator's own test, tests/bench/test_generate.py.
SCALES = {"full": 1.0, "tenth": 0.1, "tiny": 0.001}
BASE = {"products": 5_000, "customers": 50_000, "prescriptions": 200_000, "orders": 100_000, "audit": 1_000_000}
HEAVY_EMAIL = "heavy@bench.example"
HEAVY_PRESCRIPTIONS = 60
BENCH_PASSWORD = "bench-password-2026"
# Prescription state mix (share of all prescriptions).
STATE_MIX = (
    ("submitted", 0.020),
    ("in_review", 0.004),
    ("info_requested", 0.006),
    ("verified", 0.380),
    ("rejected", 0.090),
    ("expired", 0.200),
    ("used_up", 0.300),
)
# The status path each final state went through.
PATHS = {
    "submitted": ["submitted"],
    "in_review": ["submitted", "in_review"],
    "info_requested": ["submitted", "in_review", "info_requested"],
    "verified": ["submitted", "in_review", "verified"],
    "rejected": ["submitted", "in_review", "rejected"],
    "expired": ["submitted", "in_review", "verified", "expired"],
    "used_up": ["submitted", "in_review", "verified", "used_up"],
}
FIRST = ["Maria", "James", "Aisha", "Chen", "Lucas", "Sofia", "Omar", "Emma", "Noah", "Priya", "Liam", "Zoe"]
LAST = ["Garcia", "Smith", "Nguyen", "Johnson", "Patel", "Brown", "Kim", "Lopez", "Okafor", "Miller", "Rossi"]
STATES = ["NY", "CA", "TX", "FL", "IL", "PA", "OH", "GA", "NC", "MI", "NJ", "VA", "WA", "AZ", "MA"]


class Progress:
    """Plain stderr progress: one line per table, rewritten in place."""

    def __init__(self, label: str, total: int):
        self.label, self.total, self.done, self.start, self.last = label, max(total, 1), 0, time.monotonic(), 0.0

    def update(self, n: int = 1) -> None:
        if n <= 0:
            return
        self.done += n
        now = time.monotonic()
        if now - self.last > 0.5 or self.done >= self.total:
            self.last = now
            width = 30
            filled = int(width * min(self.done / self.total, 1))
            rate = self.done / max(now - self.start, 1e-6)
            sys.stderr.write(
                f"\r{self.label:<28} [{'#' * filled}{'.' * (width - filled)}] "
                f"{self.done:>9,}/{self.total:,} {rate:>9,.0f}/s"
            )
            sys.stderr.flush()

    def close(self) -> None:
        self.done = min(self.done, self.total) if self.done else self.done
        sys.stderr.write(
            f"\r{self.label:<28} {self.done:>9,} rows in {time.monotonic() - self.start:6.1f}s" + " " * 40 + "\n"
        )


def ensure_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit(f"refusing to fill {name!r}: the database name must contain 'bench'")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


class Copier:
    """COPY rows (dicts keyed by attname) into a model's table, filling model defaults."""

    def __init__(self, conn):
        self.conn = conn

    def next_id(self, model) -> int:
        with self.conn.cursor() as cur:
            cur.execute(f'SELECT COALESCE(MAX(id), 0) + 1 FROM "{model._meta.db_table}"')
            return cur.fetchone()[0]

    def copy(self, model, rows, total: int, label: str | None = None) -> int:
        from django.db.models import NOT_PROVIDED, JSONField

        fields = [f for f in model._meta.concrete_fields]
        now = dt.datetime.now(dt.UTC)
        fill = []
        for f in fields:
            if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                fill.append(("const", now))
            elif f.default is not NOT_PROVIDED:
                fill.append(("call", f.default) if callable(f.default) else ("const", f.default))
            elif f.null:
                fill.append(("const", None))
            else:
                fill.append(("const", ""))
        is_json = [isinstance(f, JSONField) for f in fields]
        names = [f.attname for f in fields]
        columns = ", ".join(f'"{f.column}"' for f in fields)
        progress = Progress(label or model._meta.db_table, total)
        count = 0
        with self.conn.transaction(), self.conn.cursor() as cur:
            with cur.copy(f'COPY "{model._meta.db_table}" ({columns}) FROM STDIN') as copy:
                for row in rows:
                    values = []
                    for name, (kind, default), js in zip(names, fill, is_json, strict=False):
                        if name in row:
                            value = row[name]
                        else:
                            value = default() if kind == "call" else default
                        if js and value is not None:
                            value = json.dumps(value)
                        values.append(value)
                    copy.write_row(values)
                    count += 1
                    if count % 2000 == 0:
                        progress.update(2000)
            progress.update(count % 2000)
        progress.close()
        return count

    def reset_sequences(self, models) -> None:
        with self.conn.cursor() as cur:
            for model in models:
                table = model._meta.db_table
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT COALESCE(MAX(id), 1) FROM "{table}"))'
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args()
    import django

    django.setup()
    run(scale=args.scale, seed=args.seed, skip_migrate=args.skip_migrate)


def add_arguments(parser) -> None:
    """The options of this script and of ``manage.py generate_bench_data``."""
    parser.add_argument("--scale", choices=SCALES, default="tenth")
    parser.add_argument("--seed", type=int, default=8)
    parser.add_argument("--skip-migrate", action="store_true")


def run(scale: str, seed: int = 8, skip_migrate: bool = False) -> None:
    """Create the database named by DATABASE_URL if needed, migrate, load the demo, then fill it.

    Refuses a database that is not PostgreSQL, whose name lacks "bench", or that
    already holds generated data.
    """
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        raise SystemExit("set DATABASE_URL to a PostgreSQL database whose name contains 'bench'")
    ensure_database(url)

    from django.core.management import call_command
    from django.db import connection

    started = time.monotonic()
    if not skip_migrate:
        sys.stderr.write("migrate + load_demo ...\n")
        call_command("migrate", "--noinput", verbosity=0)
        call_command("load_demo", verbosity=0)
    connection.ensure_connection()
    raw = connection.connection  # the psycopg connection Django holds
    with connection.cursor() as cur:
        cur.execute("SELECT count(*) FROM auth_user WHERE email LIKE %s", ["%@bench.example"])
        if cur.fetchone()[0]:
            raise SystemExit("this database already holds generated data; drop it and run again")
    generate(raw, SCALES[scale], random.Random(seed))
    with connection.cursor() as cur:
        sys.stderr.write("VACUUM ANALYZE ...\n")
        cur.execute("VACUUM ANALYZE")
    sys.stderr.write(f"done in {time.monotonic() - started:.0f}s\n")


def generate(conn, scale: float, rnd: random.Random) -> None:
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password
    from oscar.core.loading import get_model

    from compliance import subjects
    from compliance.models import ComplianceEvaluation
    from payments.models import PaymentAuthorisation, SavedCard
    from prescriptions.dispensing.models import Counselling, Dispense, DispensedPack, FillScan
    from prescriptions.models import (
        AutoRefill,
        Patient,
        Prescription,
        PrescriptionEvent,
        PrescriptionFile,
        PrescriptionFileAccess,
        StaffDataView,
    )
    from prescriptions.orders import LineStatus, OrderStatus
    from prescriptions.review.models import ReviewClaim, ReviewDecision, Transcription

    User = get_user_model()
    Product = get_model("catalogue", "Product")
    AttributeValue = get_model("catalogue", "ProductAttributeValue")
    ProductAttribute = get_model("catalogue", "ProductAttribute")
    ProductCategory = get_model("catalogue", "ProductCategory")
    StockRecord = get_model("partner", "StockRecord")
    Partner = get_model("partner", "Partner")
    Order = get_model("order", "Order")
    OrderLine = get_model("order", "Line")
    ShippingAddress = get_model("order", "ShippingAddress")
    BillingAddress = get_model("order", "BillingAddress")
    Source = get_model("payment", "Source")
    SourceType = get_model("payment", "SourceType")

    n = {k: int(v * scale) for k, v in BASE.items()}
    c = Copier(conn)
    now = dt.datetime.now(dt.UTC)
    today = now.date()

    def commit():
        pass  # each COPY commits on its own (autocommit connection, one transaction per table)

    # --- The catalogue: clones of the demo products, with their attributes ---------------
    from shop.storefront import demo_catalogue

    templates = list(Product.objects.select_related("product_class").order_by("id"))
    rx_templates = [p for p in templates if p.product_class.slug == demo_catalogue.RX]
    otc_templates = [p for p in templates if p.product_class.slug != demo_catalogue.RX]
    rx_templates = [p for p in rx_templates if "Tramadol" not in p.title] + [
        p for p in rx_templates if "Tramadol" in p.title
    ]  # the controlled one last: rarely cloned
    attr_rows = {}
    for value in AttributeValue.objects.filter(product__in=templates).values():
        attr_rows.setdefault(value["product_id"], []).append(value)
    cat_of = dict(ProductCategory.objects.filter(product__in=templates).values_list("product_id", "category_id"))
    stock_of = {s.product_id: s for s in StockRecord.objects.filter(product__in=templates)}
    partner = Partner.objects.get(code="rxshop-pharmacy")

    first_product = c.next_id(Product)
    products = []  # (id, template, is_rx, price)
    for i in range(n["products"]):
        is_rx = i % 3 == 0
        if is_rx:
            template = rx_templates[(i // 3) % max(len(rx_templates) - 1, 1)]
            if i % 300 == 0:
                template = rx_templates[-1]  # a controlled substance now and then
        else:
            template = otc_templates[i % len(otc_templates)]
        price = (stock_of[template.id].price * Decimal(rnd.choice(["0.8", "0.9", "1.0", "1.1", "1.25"]))).quantize(
            Decimal("0.01")
        )
        products.append((first_product + i, template, is_rx, price))

    def product_rows():
        for pid, template, _is_rx, _price in products:
            yield {
                "id": pid,
                "structure": "standalone",
                "upc": f"BENCH{pid:08d}",
                "parent_id": None,
                "title": f"{template.title} · Maker {pid % 97:02d}",
                "slug": f"{template.slug}-{pid}",
                "description": template.description,
                "product_class_id": template.product_class_id,
                "is_discountable": True,
                "is_public": True,
            }

    with contextlib.nullcontext():
        c.copy(Product, product_rows(), len(products), "products")
        next_value = c.next_id(AttributeValue)

        def value_rows():
            nonlocal next_value
            for pid, template, _is_rx, _price in products:
                for row in attr_rows.get(template.id, []):
                    values = {**row, "id": next_value, "product_id": pid}
                    next_value += 1
                    yield values

        c.copy(
            AttributeValue,
            value_rows(),
            sum(len(attr_rows.get(t.id, [])) for _, t, _, _ in products),
            "product attribute values",
        )
        first = c.next_id(ProductCategory)
        c.copy(
            ProductCategory,
            (
                {"id": first + k, "product_id": pid, "category_id": cat_of[t.id]}
                for k, (pid, t, _, _) in enumerate(products)
            ),
            len(products),
            "product categories",
        )
        first = c.next_id(StockRecord)
        c.copy(
            StockRecord,
            (
                {
                    "id": first + k,
                    "product_id": pid,
                    "partner_id": partner.id,
                    "partner_sku": f"BENCH{pid:08d}",
                    "price_currency": "USD",
                    "price": price,
                    "num_in_stock": 100_000,
                    "num_allocated": 0,
                    "low_stock_threshold": None,
                }
                for k, (pid, _t, _rx, price) in enumerate(products)
            ),
            len(products),
            "stock records",
        )
    commit()
    all_rx = [(p.id, p) for p in rx_templates if "Tramadol" not in p.title] + [
        (pid, t) for pid, t, is_rx, _ in products if is_rx and "Tramadol" not in t.title
    ]
    all_otc = [(p.id, stock_of[p.id].price, p) for p in otc_templates] + [
        (pid, price, t) for pid, t, is_rx, price in products if not is_rx
    ]
    stock_id = dict(
        StockRecord.objects.filter(product_id__in=[x[0] for x in all_otc] + [x[0] for x in all_rx]).values_list(
            "product_id", "id"
        )
    )
    rx_price = {pid: price for pid, _t, is_rx, price in products if is_rx}
    rx_price.update({p.id: stock_of[p.id].price for p in rx_templates})

    # --- Customers and their patients ------------------------------------------------------
    password = make_password(BENCH_PASSWORD)
    first_user = c.next_id(User)
    users = list(range(first_user, first_user + n["customers"]))
    heavy = users[0]

    def user_rows():
        for k, uid in enumerate(users):
            email = HEAVY_EMAIL if uid == heavy else f"customer{k}@bench.example"
            yield {
                "id": uid,
                "password": password,
                "last_login": None,
                "is_superuser": False,
                "username": email,
                "first_name": FIRST[k % len(FIRST)],
                "last_name": LAST[k % len(LAST)],
                "email": email,
                "is_staff": False,
                "is_active": True,
                "date_joined": now - dt.timedelta(days=rnd.randint(1, 900)),
            }

    first_patient = c.next_id(Patient)
    patients = {}  # user id -> [patient ids]
    patient_rows_list = []
    pid = first_patient
    for k, uid in enumerate(users):
        state = STATES[k % len(STATES)]
        patient_rows_list.append(
            {
                "id": pid,
                "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
                "account_id": uid,
                "relationship": "self",
                "first_name": FIRST[k % len(FIRST)],
                "last_name": LAST[k % len(LAST)],
                "date_of_birth": dt.date(1960 + k % 45, 1 + k % 12, 1 + k % 28),
                "address_line1": f"{k % 900 + 1} Main Street",
                "address_line2": "",
                "city": "Springfield",
                "state": state,
                "postcode": f"{10000 + k % 89999:05d}",
                "created_at": now,
            }
        )
        patients[uid] = [pid]
        pid += 1
        if k % 10 == 3:
            patient_rows_list.append(
                {
                    **patient_rows_list[-1],
                    "id": pid,
                    "relationship": "child",
                    "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
                    "first_name": "Sam",
                    "date_of_birth": dt.date(2008 + k % 6, 5, 5),
                }
            )
            patients[uid].append(pid)
            pid += 1
    with contextlib.nullcontext():
        c.copy(User, user_rows(), len(users), "customers")
        c.copy(Patient, iter(patient_rows_list), len(patient_rows_list), "patients")
    commit()

    staff = dict(
        User.objects.filter(email__in=["pharmacist@example.com", "technician@example.com"]).values_list("email", "id")
    )
    pharmacist, technician = staff["pharmacist@example.com"], staff["technician@example.com"]
    pharmacist_name = "Priya Raman"

    # --- Prescriptions, with everything a pharmacist's work leaves behind -----------------
    states = [s for s, share in STATE_MIX for _ in range(round(share * 1000))]
    total_rx = n["prescriptions"]
    first_rx = c.next_id(Prescription)
    owners = [heavy] * HEAVY_PRESCRIPTIONS + [rnd.choice(users[1:]) for _ in range(total_rx - HEAVY_PRESCRIPTIONS)]
    rx = []  # dicts
    open_count = 0
    for k in range(total_rx):
        # 619 is prime to the 1,000 slots: any run of prescriptions gets the whole mix, even a small scale's.
        status = states[(k * 619) % len(states)] if k >= HEAVY_PRESCRIPTIONS else PATHS and list(PATHS)[k % len(PATHS)]
        product_id, template = all_rx[rnd.randrange(len(all_rx))]
        if status in ("submitted", "in_review", "info_requested"):
            created = now - dt.timedelta(minutes=rnd.randint(5, 3 * 24 * 60))
            open_count += 1
        else:
            created = now - dt.timedelta(minutes=rnd.randint(3 * 24 * 60, 730 * 24 * 60))
        owner = owners[k]
        info = {"strength": "", "dosage_form": "capsule"}
        rx.append(
            {
                "id": first_rx + k,
                "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
                "customer_id": owner,
                "patient_id": rnd.choice(patients[owner]),
                "product_id": product_id,
                "drug_name": template.title.split(" ")[0],
                "strength": info["strength"],
                "dosage_form": info["dosage_form"],
                "quantity": 30,
                "refills_authorized": rnd.choice([0, 0, 1, 2]),
                "fills_used": 0,
                "expires_on": None,
                "prescriber_name": "Jane Smith, MD",
                "prescriber_phone": "518-555-0100",
                "prescriber_email": "",
                "prescriber_address": "1 Main St, Albany, NY",
                "status": status,
                "status_changed_at": created,
                "message_to_customer": "",
                "created_at": created,
                "updated_at": created,
            }
        )
    for row in rx:
        steps = len(PATHS[row["status"]])
        row["status_changed_at"] = row["created_at"] + dt.timedelta(hours=2 * (steps - 1))
        if row["status"] in ("verified", "expired", "used_up"):
            row["expires_on"] = (
                row["created_at"] + dt.timedelta(days=30 if row["status"] != "verified" else 365)
            ).date()
            if row["status"] == "verified" and row["expires_on"] < today:
                row["expires_on"] = today + dt.timedelta(days=200)
            row["fills_used"] = 1 + row["refills_authorized"] if row["status"] == "used_up" else 0
        if row["status"] == "rejected":
            row["message_to_customer"] = "We could not verify this prescription with the prescriber."
        if row["status"] == "info_requested":
            row["message_to_customer"] = "Please confirm the patient's date of birth."
    with contextlib.nullcontext():
        c.copy(Prescription, iter(rx), len(rx), "prescriptions")
    commit()

    # Events (status history), files, transcriptions, evaluations, claims, decisions.
    first_event = c.next_id(PrescriptionEvent)
    first_eval = c.next_id(ComplianceEvaluation)
    events, evaluations, transcriptions, claims, decisions = [], [], [], [], []
    next_event, next_eval = first_event, first_eval
    next_tr = c.next_id(Transcription)
    next_claim = c.next_id(ReviewClaim)
    next_decision = c.next_id(ReviewDecision)
    facts_template = {
        "stage": "verify",
        "drug": "isotretinoin",
        "programme": "ipledge",
        "risk_category": "cannot",
        "patient_age": 24,
        "ship_to_state": "NY",
        "quantity": 30,
        "days_supply": 30,
    }
    for row in rx:
        path = PATHS[row["status"]]
        previous = ""
        event_ids = []
        for step, status in enumerate(path):
            at = row["created_at"] + dt.timedelta(hours=2 * step)
            actor, role, name = row["customer_id"], "customer", "Customer"
            if status in ("in_review", "verified", "rejected", "info_requested"):
                actor, role, name = pharmacist, "pharmacy", pharmacist_name
            elif status in ("expired", "used_up"):
                actor, role, name = None, "system", ""
            events.append(
                {
                    "id": next_event,
                    "prescription_id": row["id"],
                    "actor_id": actor,
                    "actor_role": role,
                    "actor_name": name,
                    "from_status": previous,
                    "to_status": status,
                    "reason_code": "not_valid" if status == "rejected" else "",
                    "reason": "",
                    "message_to_customer": row["message_to_customer"] if status == path[-1] else "",
                    "message_from_customer": "",
                    "created_at": at,
                }
            )
            event_ids.append((status, next_event, at))
            next_event += 1
            previous = status
        if row["status"] == "submitted":
            continue
        evaluated_at = row["created_at"] + dt.timedelta(hours=1)
        passed = row["status"] != "rejected"
        evaluations.append(
            {
                "id": next_eval,
                "stage": "verify",
                "subject": str(subjects.for_prescription(row["id"])),
                "prescription_id": row["id"],
                "moment": evaluated_at,
                "facts": facts_template,
                "fingerprint": uuid.UUID(int=rnd.getrandbits(128)).hex * 2,
                "config": {"ipledge": "2026-02"},
                "findings_data": []
                if passed
                else [
                    {
                        "rule_id": "ipledge.rma",
                        "severity": "block",
                        "source": "RULES.md 1.2",
                        "pharmacist_message": "No RMA",
                        "customer_message": "",
                        "details": {},
                    }
                ],
                "passed": passed,
                "actor_id": pharmacist,
                "created_at": evaluated_at,
            }
        )
        transcriptions.append(
            {
                "id": next_tr,
                "prescription_id": row["id"],
                "prescriber_name": "Jane Smith, MD",
                "prescriber_address": "1 Main St, Albany, NY 12207",
                "prescriber_npi": "1234567893",
                "prescriber_dea_number": "",
                "drug_name": row["drug_name"],
                "strength": "20 mg",
                "dosage_form": "capsule",
                "quantity": 30,
                "days_supply": 30,
                "directions": "Take one capsule by mouth once daily with food.",
                "refills": 0,
                "date_written": row["created_at"].date(),
                "signature_present": True,
                "risk_category": "cannot",
                "rma_number": "",
                "do_not_dispense_after": None,
                "completed_elements": [],
                "completion_note": "",
                "version": 1,
                "latest_evaluation_id": next_eval,
                "evaluated_version": 1,
                "created_at": evaluated_at,
                "updated_at": evaluated_at,
                "updated_by_id": technician,
            }
        )
        is_open_claim = row["status"] == "in_review"
        claims.append(
            {
                "id": next_claim,
                "prescription_id": row["id"],
                "reviewer_id": pharmacist,
                "reviewer_name": pharmacist_name,
                "claimed_at": row["created_at"] + dt.timedelta(hours=2),
                "expires_at": (now + dt.timedelta(minutes=30))
                if is_open_claim
                else row["created_at"] + dt.timedelta(hours=2, minutes=30),
                "released_at": None if is_open_claim else row["created_at"] + dt.timedelta(hours=4),
                "release_reason": "" if is_open_claim else "decided",
                "ip_address": "10.0.0.5",
            }
        )
        next_claim += 1
        decided = [e for e in event_ids if e[0] in ("verified", "rejected", "info_requested")]
        if decided:
            outcome, event_id, at = decided[0]
            decisions.append(
                {
                    "id": next_decision,
                    "prescription_id": row["id"],
                    "event_id": event_id,
                    "outcome": outcome,
                    "reason_code": "not_valid" if outcome == "rejected" else "",
                    "note": "",
                    "message_to_customer": row["message_to_customer"],
                    "evaluation_id": next_eval if outcome == "verified" else None,
                    "evaluation_fingerprint": "",
                    "warning_overrides": [],
                    "transcription_version": 1,
                    "transcription_snapshot": {"quantity": 30, "refills": 0},
                    "quantity_authorized": 30 if outcome == "verified" else None,
                    "refills_authorized": row["refills_authorized"] if outcome == "verified" else None,
                    "expires_on": row["expires_on"] if outcome == "verified" else None,
                    "decided_by_id": pharmacist,
                    "decided_by_name": pharmacist_name,
                    "decided_at": at,
                    "ip_address": "10.0.0.5",
                    "user_agent": "Mozilla/5.0",
                }
            )
            next_decision += 1
        next_eval += 1
        next_tr += 1
    first_file = c.next_id(PrescriptionFile)
    files = [
        {
            "id": first_file + k,
            "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
            "prescription_id": row["id"],
            "customer_id": row["customer_id"],
            "stored_name": f"{uuid.UUID(int=rnd.getrandbits(128)).hex}.pdf",
            "original_name": "prescription.pdf",
            "kind": "pdf",
            "content_type": "application/pdf",
            "size": 182_331,
            "page_count": 1,
            "width": None,
            "height": None,
            "sha256": uuid.UUID(int=rnd.getrandbits(128)).hex * 2,
            "stored_sha256": "0" * 64,
            "scan_status": "clean",
            "scan_detail": "",
            "scanned_at": row["created_at"],
            "uploaded_at": row["created_at"],
        }
        for k, row in enumerate(rx)
    ]
    # The rest of the audit rows: staff looks at patient data (the access log), half page views
    # (review screens and histories, prescriptions.audit) and half file opens.
    remainder = max(n["audit"] - len(events) - len(evaluations), 0)
    views_needed = remainder // 2
    accesses_needed = remainder - views_needed
    first_access = c.next_id(PrescriptionFileAccess)
    first_view = c.next_id(StaffDataView)
    decided_files = [f for f, row in zip(files, rx, strict=False) if row["status"] != "submitted"] or files
    decided_rx = [row for row in rx if row["status"] != "submitted"] or rx

    def view_rows():
        for k in range(views_needed):
            row = decided_rx[(k * 7) % len(decided_rx)]
            history = k % 5 == 4  # mostly review screens, now and then the inspector's history
            yield {
                "id": first_view + k,
                "user_id": pharmacist if k % 3 else technician,
                "viewed_at": min(row["created_at"] + dt.timedelta(hours=1, minutes=k % 50), now),
                "page": "dashboard:pharmacy-history" if history else "dashboard:pharmacy-review",
                "path": f"/dashboard/pharmacy/{'history' if history else 'prescriptions'}/{row['public_id']}/",
                "prescription_id": row["id"],
                "order_number": "",
                "customer_id": row["customer_id"],
                "ip_address": "10.0.0.5",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            }

    def access_rows():
        for k in range(accesses_needed):
            f = decided_files[k % len(decided_files)]
            yield {
                "id": first_access + k,
                "file_id": f["id"],
                "user_id": pharmacist if k % 3 else technician,
                "accessed_at": f["uploaded_at"] + dt.timedelta(hours=1, minutes=k % 50),
                "ip_address": "10.0.0.5",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64)",
            }

    with contextlib.nullcontext():
        c.copy(PrescriptionEvent, iter(events), len(events), "prescription events")
        c.copy(PrescriptionFile, iter(files), len(files), "prescription files")
        c.copy(ComplianceEvaluation, iter(evaluations), len(evaluations), "compliance evaluations")
        c.copy(Transcription, iter(transcriptions), len(transcriptions), "transcriptions")
        c.copy(ReviewClaim, iter(claims), len(claims), "review claims")
        c.copy(ReviewDecision, iter(decisions), len(decisions), "review decisions")
        c.copy(PrescriptionFileAccess, access_rows(), accesses_needed, "file accesses")
        c.copy(StaffDataView, view_rows(), views_needed, "staff page views")
    commit()
    del events, evaluations, transcriptions, claims, decisions, files

    # --- Orders: lines, addresses, payment ------------------------------------------------
    usable = {}  # customer -> [(prescription id, product id)] verified or used up
    for row in rx:
        if row["status"] in ("verified", "used_up"):
            usable.setdefault(row["customer_id"], []).append((row["id"], row["product_id"]))
    # Fills: a prescription's order lines never use more fills than it has (a verified one keeps at
    # least one, its last would have used it up), each dispensed line is dispensed after the
    # verification, and a verified prescription's fills_used is the count of its dispensed lines.
    rx_by_id = {row["id"]: row for row in rx}
    fills_done, fills_held = {}, {}  # prescription id -> dispensed lines, lines of open orders
    dispensed_lines = []  # (line id, prescription id, product id, dispensed at, order number, customer, order id)
    dispensed_statuses = {OrderStatus.COMPLETE.value, OrderStatus.SHIPPED.value, OrderStatus.DISPENSED.value}
    source_type, _ = SourceType.objects.get_or_create(name="Stripe")
    first_order = c.next_id(Order)
    first_line = c.next_id(OrderLine)
    first_ship = c.next_id(ShippingAddress)
    first_bill = c.next_id(BillingAddress)
    first_auth = c.next_id(PaymentAuthorisation)
    first_source = c.next_id(Source)
    orders, lines, ships, bills, auths, sources = [], [], [], [], [], []
    line_id = first_line
    for k in range(n["orders"]):
        oid = first_order + k
        uid = users[rnd.randrange(len(users))]
        placed = now - dt.timedelta(minutes=rnd.randint(10, 730 * 24 * 60))
        number = f"9{k:08d}"
        total = Decimal("0.00")
        rx_line = usable.get(uid) and rnd.random() < 0.35
        status = rnd.choices(
            [
                OrderStatus.COMPLETE,
                OrderStatus.SHIPPED,
                OrderStatus.AWAITING_SHIPMENT,
                OrderStatus.AWAITING_DISPENSE,
                OrderStatus.CANCELLED,
            ],
            [70, 15, 6, 5, 4],
        )[0].value
        if rx_line and status == OrderStatus.AWAITING_SHIPMENT.value:
            status = OrderStatus.DISPENSED.value  # a prescription order is dispensed, then shipped
        items = []
        dispensed_at = None
        if rx_line:
            prescription_id, product_id = rnd.choice(usable[uid])
            p = rx_by_id[prescription_id]
            done, held = fills_done.get(prescription_id, 0), fills_held.get(prescription_id, 0)
            fills = 1 + p["refills_authorized"]
            verified_at = p["created_at"] + dt.timedelta(hours=4)  # PATHS: verified at the third step
            if status in dispensed_statuses:
                fits = done + held < fills - (1 if p["status"] == "verified" else 0)
            elif status == OrderStatus.AWAITING_DISPENSE.value:
                fits = p["status"] == "verified" and done + held < fills
            else:
                fits = True  # cancelled: the line holds nothing
            if fits:
                items.append((product_id, rx_price[product_id], prescription_id))
                if p["status"] == "used_up":  # ordered and dispensed before it was used up (2 h later)
                    placed = verified_at + dt.timedelta(minutes=rnd.randint(5, 50))
                    dispensed_at = placed + dt.timedelta(minutes=rnd.randint(10, 60))
                else:
                    if placed < verified_at:
                        placed = verified_at + (now - dt.timedelta(minutes=10) - verified_at) * rnd.random()
                    dispensed_at = min(placed + dt.timedelta(minutes=rnd.randint(30, 20 * 60)), now)
                if status in dispensed_statuses:
                    fills_done[prescription_id] = done + 1
                elif status == OrderStatus.AWAITING_DISPENSE.value:
                    fills_held[prescription_id] = held + 1
                    dispensed_at = None
                else:
                    dispensed_at = None
            elif status == OrderStatus.DISPENSED.value:
                status = OrderStatus.AWAITING_SHIPMENT.value  # over the counter only after all
        for _ in range(rnd.choice([1, 1, 2, 2, 3])):
            product_id, price, _t = all_otc[rnd.randrange(len(all_otc))]
            items.append((product_id, price, None))
        for product_id, price, prescription_id in items:
            quantity = 1 if prescription_id else rnd.choice([1, 1, 2])
            line_total = price * quantity
            total += line_total
            if prescription_id and dispensed_at is not None:
                dispensed_lines.append((line_id, prescription_id, product_id, dispensed_at, number, uid, oid))
            lines.append(
                {
                    "id": line_id,
                    "order_id": oid,
                    "partner_id": partner.id,
                    "partner_name": partner.name,
                    "partner_sku": f"BENCH{product_id:08d}",
                    "partner_line_reference": "",
                    "partner_line_notes": "",
                    "stockrecord_id": stock_id.get(product_id),
                    "product_id": product_id,
                    "title": f"Product {product_id}",
                    "upc": None,
                    "quantity": quantity,
                    "line_price_incl_tax": line_total,
                    "line_price_excl_tax": line_total,
                    "line_price_before_discounts_incl_tax": line_total,
                    "line_price_before_discounts_excl_tax": line_total,
                    "unit_price_incl_tax": price,
                    "unit_price_excl_tax": price,
                    "tax_code": None,
                    "status": {
                        OrderStatus.COMPLETE: LineStatus.SHIPPED,
                        OrderStatus.SHIPPED: LineStatus.SHIPPED,
                        OrderStatus.CANCELLED: LineStatus.CANCELLED,
                    }.get(
                        status,
                        LineStatus.DISPENSED
                        if prescription_id and status == OrderStatus.DISPENSED.value
                        else LineStatus.PENDING,
                    ).value,
                    "num_allocated": quantity,
                    "allocation_cancelled": False,
                    "prescription_id": prescription_id,
                }
            )
            line_id += 1
        shipping = Decimal("4.95")
        ships.append(
            {
                "id": first_ship + k,
                "title": "",
                "first_name": FIRST[k % len(FIRST)],
                "last_name": LAST[k % len(LAST)],
                "line1": f"{k % 900 + 1} Main Street",
                "line2": "",
                "line3": "",
                "line4": "Springfield",
                "state": STATES[k % len(STATES)],
                "postcode": f"{10000 + k % 89999:05d}",
                "country_id": "US",
                "search_text": "",
                "phone_number": "",
                "notes": "",
            }
        )
        bills.append(
            {**{key: v for key, v in ships[-1].items() if key not in ("phone_number", "notes")}, "id": first_bill + k}
        )
        grand = total + shipping
        orders.append(
            {
                "id": oid,
                "number": number,
                "site_id": 1,
                "basket_id": None,
                "user_id": uid,
                "billing_address_id": first_bill + k,
                "currency": "USD",
                "total_incl_tax": grand,
                "total_excl_tax": grand,
                "shipping_incl_tax": shipping,
                "shipping_excl_tax": shipping,
                "shipping_tax_code": None,
                "shipping_address_id": first_ship + k,
                "shipping_method": "Standard shipping",
                "shipping_code": "standard",
                "status": status,
                "guest_email": "",
                "date_placed": placed,
            }
        )
        state = {
            OrderStatus.COMPLETE: "captured",
            OrderStatus.SHIPPED: "captured",
            OrderStatus.DISPENSED: "captured",  # the card is captured at dispense
            OrderStatus.CANCELLED: "voided",
        }.get(status, "authorised")
        intent = f"pi_bench_{k:08d}"
        auths.append(
            {
                "id": first_auth + k,
                "order_id": oid,
                "order_number": number,
                "attempt": 1,
                "intent_id": intent,
                "state": state,
                "currency": "usd",
                "amount_authorised": grand,
                "amount_captured": grand if state == "captured" else Decimal("0.00"),
                "amount_refunded": Decimal("0.00"),
                "card_label": "Visa •••• 4242",
                "failure_message": "",
                "void_reason": "Order cancelled" if state == "voided" else "",
                "authorised_at": placed,
                "expires_at": placed + dt.timedelta(days=7),
                "captured_at": placed + dt.timedelta(days=1) if state == "captured" else None,
                "voided_at": placed + dt.timedelta(days=1) if state == "voided" else None,
                "needs_review": False,
                "review_note": "",
                "last_event_at": placed,
                "created_at": placed,
                "updated_at": placed,
            }
        )
        sources.append(
            {
                "id": first_source + k,
                "order_id": oid,
                "source_type_id": source_type.id,
                "currency": "USD",
                "amount_allocated": grand,
                "amount_debited": grand if state == "captured" else Decimal("0.00"),
                "amount_refunded": Decimal("0.00"),
                "reference": intent,
                "label": "Visa •••• 4242",
            }
        )
    with contextlib.nullcontext():
        c.copy(ShippingAddress, iter(ships), len(ships), "shipping addresses")
        c.copy(BillingAddress, iter(bills), len(bills), "billing addresses")
        c.copy(Order, iter(orders), len(orders), "orders")
        c.copy(OrderLine, iter(lines), len(lines), "order lines")
        c.copy(PaymentAuthorisation, iter(auths), len(auths), "payment authorisations")
        c.copy(Source, iter(sources), len(sources), "payment sources")
    commit()
    del orders, lines, bills, auths, sources

    # --- Dispensing: each dispensed prescription line with its dispense-stage evaluation, the
    # accepted scan of its pack at fill, the pack (NDC, lot: what a recall looks for) and the
    # counselling offer; then the verified prescriptions' fills; then automatic refills. ------------
    ndc_attribute = ProductAttribute.objects.filter(code="ndc").values_list("id", flat=True).first()
    ndc_of = {
        template_id: (value["value_text"] or "").split(",")[0].strip()
        for template_id, values in attr_rows.items()
        for value in values
        if value["attribute_id"] == ndc_attribute
    }
    template_of = {p.id: p for p in rx_templates} | {pid: t for pid, t, is_rx, _ in products if is_rx}
    first_eval = c.next_id(ComplianceEvaluation)
    first_scan = c.next_id(FillScan)
    first_dispense = c.next_id(Dispense)
    first_pack = c.next_id(DispensedPack)
    first_counselling = c.next_id(Counselling)
    d_evaluations, scans, dispenses, packs, counsellings = [], [], [], [], []
    for k, (line, prescription_id, product_id, at, number, _uid, _oid) in enumerate(dispensed_lines):
        template = template_of[product_id]
        ndc = ndc_of.get(template.id) or "0000-0000-00"
        # One lot per medicine and month: a recall of a lot finds every patient who got a pack of it.
        lot = f"L{template.id:04d}{at:%y%m}"
        expires_on = at.date() + dt.timedelta(days=540)
        d_evaluations.append(
            {
                "id": first_eval + k,
                "stage": "dispense",
                "subject": str(
                    subjects.for_order_line(prescription_id=prescription_id, order_number=number, line_id=line)
                ),
                "prescription_id": prescription_id,
                "moment": at,
                "facts": {**facts_template, "stage": "dispense"},
                "fingerprint": uuid.UUID(int=rnd.getrandbits(128)).hex * 2,
                "config": {"ipledge": "2026-02"},
                "findings_data": [],
                "passed": True,
                "actor_id": pharmacist,
                "created_at": at,
            }
        )
        scans.append(
            {
                "id": first_scan + k,
                "order_line_id": line,
                "prescription_id": prescription_id,
                "scanned_at": at - dt.timedelta(minutes=5),
                "scanned_by_id": technician,
                "scanned_by_name": "Tom Tech",
                "method": "barcode",
                "raw": "",
                "gtin": "",
                "ndc": ndc,
                "lot": lot,
                "serial": "",
                "expires_on": expires_on,
                "quantity_confirmed": True,
                "outcome": "accepted",
                "findings": [],
                "reason": "",
            }
        )
        dispenses.append(
            {
                "id": first_dispense + k,
                "order_line_id": line,
                "prescription_id": prescription_id,
                "pharmacist_id": pharmacist,
                "pharmacist_name": pharmacist_name,
                "dispensed_at": at,
                "evaluation_id": first_eval + k,
                "authorisation_id": None,
                "medication_guide_included": True,
            }
        )
        packs.append(
            {
                "id": first_pack + k,
                "dispense_id": first_dispense + k,
                "scan_id": first_scan + k,
                "ndc": ndc,
                "lot": lot,
                "serial": "",
                "expires_on": expires_on,
            }
        )
        counsellings.append(
            {
                "id": first_counselling + k,
                "dispense_id": first_dispense + k,
                "answer": "offered",
                "offered_by": pharmacist_name,
                "toll_free_number": "1-800-555-0100",
                "method": "In writing: the label and the parcel insert",
                "counselled_at": None,
                "counselled_by": "",
                "notes": "",
                "recorded_at": at,
            }
        )
    with contextlib.nullcontext():
        c.copy(ComplianceEvaluation, iter(d_evaluations), len(d_evaluations), "dispense evaluations")
        c.copy(FillScan, iter(scans), len(scans), "fill scans")
        c.copy(Dispense, iter(dispenses), len(dispenses), "dispenses")
        c.copy(DispensedPack, iter(packs), len(packs), "dispensed packs")
        c.copy(Counselling, iter(counsellings), len(counsellings), "counselling offers")
    verified_fills = [(pid, done) for pid, done in fills_done.items() if rx_by_id[pid]["status"] == "verified"]
    with conn.transaction(), conn.cursor() as cur:
        cur.execute(
            "UPDATE prescriptions_prescription p SET fills_used = v.n "
            "FROM unnest(%s::bigint[], %s::int[]) AS v(id, n) WHERE p.id = v.id",
            ([pid for pid, _ in verified_fills], [done for _, done in verified_fills]),
        )
    # Automatic refills: one in five verified prescriptions filled here, with the customer's saved card
    # and a copy of the order's address (the enrolment is made after a fill, from its order).
    last_fill = {}
    for _line, prescription_id, _product, at, _number, uid, oid in dispensed_lines:
        if rx_by_id[prescription_id]["status"] == "verified":
            last_fill[prescription_id] = max(last_fill.get(prescription_id, (at, uid, oid)), (at, uid, oid))
    enrolled = [(pid, *last_fill[pid]) for i, pid in enumerate(sorted(last_fill)) if i % 5 == 0]
    first_card = c.next_id(SavedCard)
    card_of = {}
    for _pid, _at, uid, _oid in enrolled:
        card_of.setdefault(uid, first_card + len(card_of))
    first_enrolment = c.next_id(AutoRefill)
    ship_of = {row["id"]: row for row in ships}

    def card_rows():
        for uid, card_id in card_of.items():
            yield {
                "id": card_id,
                "user_id": uid,
                "customer_id": f"cus_bench_{uid}",
                "payment_method_id": f"pm_bench_{uid}",
                "setup_intent_id": "",
                "brand": "visa",
                "last4": "4242",
                "exp_month": 12,
                "exp_year": today.year + 3,
                "created_at": now,
                "removed_at": None,
            }

    def enrolment_rows():
        for k, (pid, at, uid, oid) in enumerate(enrolled):
            address = ship_of[first_ship + (oid - first_order)]
            yield {
                "id": first_enrolment + k,
                "public_id": uuid.UUID(int=rnd.getrandbits(128), version=4),
                "prescription_id": pid,
                "customer_id": uid,
                "saved_card_id": card_of[uid],
                "shipping_address": {
                    **{f: address[f] for f in ("first_name", "last_name", "line1", "line2", "line3", "line4")},
                    **{f: address[f] for f in ("state", "postcode", "title")},
                    "phone_number": "",
                    "country": "US",
                },
                "shipping_method": "standard",
                "consent_text": f"I ask the pharmacy to refill prescription {pid} automatically (bench data).",
                "consent_version": "2026-12-01",
                "consented_at": at + dt.timedelta(hours=1),
                "consent_ip": "10.0.0.9",
                "consent_language": "en",
                "state": "active",
                "stopped_at": None,
                "stop_reason": "",
                "stop_detail": "",
            }

    with contextlib.nullcontext():
        c.copy(SavedCard, card_rows(), len(card_of), "saved cards")
        c.copy(AutoRefill, enrolment_rows(), len(enrolled), "automatic refills")
    commit()
    del ships
    c.reset_sequences(
        [
            Product,
            AttributeValue,
            ProductCategory,
            StockRecord,
            User,
            Patient,
            Prescription,
            PrescriptionEvent,
            PrescriptionFile,
            ComplianceEvaluation,
            Transcription,
            ReviewClaim,
            ReviewDecision,
            PrescriptionFileAccess,
            StaffDataView,
            ShippingAddress,
            BillingAddress,
            Order,
            OrderLine,
            PaymentAuthorisation,
            Source,
            FillScan,
            Dispense,
            DispensedPack,
            Counselling,
            SavedCard,
            AutoRefill,
        ]
    )
    commit()
    sys.stderr.write(f"open prescriptions (queue): {open_count:,}; heavy customer: {HEAVY_EMAIL}\n")


if __name__ == "__main__":
    main()
