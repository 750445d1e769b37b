"""The benchmarks' data generator (bench/generate.py, `manage.py generate_bench_data`).

The figures in bench/README.md are only as good as the data behind them: run
the generator at a thousandth of full scale into a throw-away PostgreSQL
database and check the shop it makes is consistent (histories, decisions,
payments, sequences), as the full-scale run's would be.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import CommandError, call_command

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("DATABASE_URL", "")


def test_refuses_a_database_whose_name_lacks_bench(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rxshop")
    with pytest.raises(CommandError, match="must contain 'bench'"):
        call_command("generate_bench_data", "--scale", "tiny")


def test_refuses_anything_but_postgresql(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:///var/bench.sqlite3")
    with pytest.raises(CommandError, match="PostgreSQL"):
        call_command("generate_bench_data", "--scale", "tiny")


@pytest.fixture
def bench_database():
    import psycopg

    parsed = urlparse(DATABASE_URL)
    name = f"rxshop_bench_test_{os.getpid()}"
    admin = parsed._replace(path="/postgres").geturl()

    def drop():
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    drop()
    yield parsed._replace(path=f"/{name}").geturl()
    drop()


@pytest.mark.slow
@pytest.mark.postgresql  # the generator writes with COPY
def test_generates_a_consistent_shop_at_a_thousandth_of_full_scale(bench_database):
    import psycopg

    env = {**os.environ, "DATABASE_URL": bench_database, "DJANGO_SETTINGS_MODULE": "shop.settings"}
    env.pop("CELERY_BROKER_URL", None)
    result = subprocess.run(
        [sys.executable, "manage.py", "generate_bench_data", "--scale", "tiny"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "done in" in result.stderr and "rows in" in result.stderr  # the progress report

    with psycopg.connect(bench_database) as conn:
        one = lambda sql, *args: conn.execute(sql, args).fetchone()[0]  # noqa: E731
        assert one("SELECT count(*) FROM catalogue_product WHERE upc LIKE 'BENCH%%'") == 5
        assert one("SELECT count(*) FROM auth_user WHERE email LIKE '%%@bench.example'") == 50
        assert one("SELECT count(*) FROM order_order WHERE number LIKE '9%%'") == 100

        # Every state, and the heavy customer's 60 prescriptions.
        states = dict(
            conn.execute(
                "SELECT p.status, count(*) FROM prescriptions_prescription p JOIN auth_user u ON u.id = p.customer_id "
                "WHERE u.email LIKE '%%@bench.example' GROUP BY p.status"
            )
        )
        assert sum(states.values()) == 200
        # The mix of bench/generate.py's STATE_MIX, even at this scale (the 60 of the heavy customer cycle).
        assert states["verified"] in range(60, 80) and states["used_up"] in range(45, 60)
        assert states["expired"] in range(30, 45) and states["rejected"] in range(15, 30)
        assert all(states[s] >= 1 for s in ("submitted", "in_review", "info_requested"))
        assert (
            one(
                "SELECT count(*) FROM prescriptions_prescription p JOIN auth_user u ON u.id = p.customer_id "
                "WHERE u.email = 'heavy@bench.example'"
            )
            == 60
        )

        # Histories end at each prescription's status; every decided one has its decision.
        assert (
            one("""
            SELECT count(*) FROM prescriptions_prescription p
            WHERE p.status <> (SELECT e.to_status FROM prescriptions_prescriptionevent e
                               WHERE e.prescription_id = p.id ORDER BY e.created_at DESC, e.id DESC LIMIT 1)
        """)
            == 0
        )
        assert (
            one("""
            SELECT count(*) FROM prescriptions_prescription p
            WHERE p.status IN ('verified', 'rejected', 'info_requested', 'expired', 'used_up')
              AND NOT EXISTS (SELECT 1 FROM review_reviewdecision d WHERE d.prescription_id = p.id)
        """)
            == 0
        )
        assert (
            one(
                "SELECT count(*) FROM prescriptions_prescription p WHERE NOT EXISTS "
                "(SELECT 1 FROM prescriptions_prescriptionfile f WHERE f.prescription_id = p.id)"
            )
            == 0
        )

        # Every order is paid for as the shop would record it; Rx lines point at usable prescriptions.
        assert (
            one(
                "SELECT count(*) FROM order_order o WHERE NOT EXISTS "
                "(SELECT 1 FROM payments_paymentauthorisation a WHERE a.order_id = o.id)"
            )
            == 0
        )
        assert (
            one(
                "SELECT count(*) FROM order_order o WHERE NOT EXISTS "
                "(SELECT 1 FROM payment_source s WHERE s.order_id = o.id)"
            )
            == 0
        )
        assert (
            one(
                "SELECT count(*) FROM order_line l JOIN prescriptions_prescription p ON p.id = l.prescription_id "
                "WHERE p.status NOT IN ('verified', 'used_up')"
            )
            == 0
        )

        # Dispensing (the refills, ship and recall pages): every dispensed line is a prescription line
        # of a dispensed, shipped or complete order, dispensed after its prescription was verified, with
        # its dispense-stage evaluation, its accepted scan and its pack (the same lot), and a counselling offer.
        assert one("SELECT count(*) FROM dispensing_dispense") >= 5
        assert (
            one("""
            SELECT count(*) FROM dispensing_dispense d
            JOIN order_line l ON l.id = d.order_line_id JOIN order_order o ON o.id = l.order_id
            JOIN compliance_complianceevaluation e ON e.id = d.evaluation_id
            JOIN dispensing_dispensedpack k ON k.dispense_id = d.id JOIN dispensing_fillscan s ON s.id = k.scan_id
            JOIN dispensing_counselling c ON c.dispense_id = d.id
            WHERE l.prescription_id = d.prescription_id AND s.order_line_id = l.id
              AND o.status IN ('Dispensed', 'Shipped', 'Complete') AND l.status IN ('Dispensed', 'Shipped')
              AND e.stage = 'dispense' AND e.prescription_id = d.prescription_id
              AND s.outcome = 'accepted' AND s.lot = k.lot AND k.lot <> '' AND s.ndc = k.ndc
              AND d.dispensed_at > (SELECT min(r.decided_at) FROM review_reviewdecision r
                                    WHERE r.prescription_id = d.prescription_id AND r.outcome = 'verified')
        """)
            == one("SELECT count(*) FROM dispensing_dispense")
            == one("SELECT count(*) FROM dispensing_dispensedpack")
        )
        # A verified prescription's fills are its dispenses, one fill at least left; a used-up one's are at
        # least its dispenses here; an open order holds a fill of a verified prescription only.
        assert (
            one("""
            SELECT count(*) FROM prescriptions_prescription p
            WHERE (p.status = 'verified' AND (p.fills_used <> (SELECT count(*) FROM dispensing_dispense d
                                                               WHERE d.prescription_id = p.id)
                                              OR p.fills_used > p.refills_authorized))
               OR (p.status = 'used_up' AND p.fills_used < (SELECT count(*) FROM dispensing_dispense d
                                                             WHERE d.prescription_id = p.id))
        """)
            == 0
        )
        assert (
            one("""
            SELECT count(*) FROM order_line l JOIN order_order o ON o.id = l.order_id
            JOIN prescriptions_prescription p ON p.id = l.prescription_id
            WHERE o.status = 'Awaiting dispense' AND p.status <> 'verified'
        """)
            == 0
        )
        # Over-the-counter orders await shipment; a prescription order is dispensed first.
        assert (
            one("""
            SELECT count(*) FROM order_order o WHERE o.status = 'Awaiting shipment'
              AND EXISTS (SELECT 1 FROM order_line l WHERE l.order_id = o.id AND l.prescription_id IS NOT NULL)
        """)
            == 0
        )
        # Automatic refills: active on verified prescriptions filled here, the customer's own card.
        assert one("SELECT count(*) FROM prescriptions_autorefill") >= 1
        assert (
            one("""
            SELECT count(*) FROM prescriptions_autorefill a
            JOIN prescriptions_prescription p ON p.id = a.prescription_id
            JOIN payments_savedcard c ON c.id = a.saved_card_id
            WHERE a.state <> 'active' OR p.status <> 'verified' OR p.fills_used < 1
               OR a.customer_id <> p.customer_id OR c.user_id <> p.customer_id
        """)
            == 0
        )
        # The access log: staff page views of prescriptions they could see (after the upload).
        assert (
            one("""
            SELECT count(*) FROM prescriptions_staffdataview v
            JOIN prescriptions_prescription p ON p.id = v.prescription_id
            WHERE v.customer_id = p.customer_id AND v.viewed_at >= p.created_at
              AND v.path LIKE '%%' || p.public_id::text || '%%'
        """)
            == one("SELECT count(*) FROM prescriptions_staffdataview")
            > 0
        )

        # A million audit rows at full scale, a thousand here.
        audit = one(
            "SELECT (SELECT count(*) FROM prescriptions_prescriptionevent) "
            "+ (SELECT count(*) FROM compliance_complianceevaluation) "
            "+ (SELECT count(*) FROM prescriptions_prescriptionfileaccess)"
            "+ (SELECT count(*) FROM prescriptions_staffdataview)"
        )
        assert audit >= 1000

        # The sequences follow the copied ids: the shop can go on creating rows.
        for table in (
            "auth_user",
            "prescriptions_prescription",
            "order_order",
            "catalogue_product",
            "dispensing_dispense",
            "dispensing_dispensedpack",
            "prescriptions_autorefill",
            "prescriptions_staffdataview",
        ):
            assert one(f"SELECT last_value FROM {table}_id_seq") == one(f"SELECT max(id) FROM {table}")
