"""The recall query by lot (``/dashboard/pharmacy/dispense/recall/``, issue 25 target 4): the same
number of queries for a lot in three times as many packs; the ship-to address (and its country,
which its summary names) comes with the packs, not one query per row."""

from __future__ import annotations

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import PharmacistFactory, TechnicianFactory, staff_client
from tests.factories.fills import filled_prescription

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
URL = "/dashboard/pharmacy/dispense/recall/"
LOT = "RC-7731"


def test_the_recall_query_costs_the_same_queries_for_three_times_the_packs():
    technician, pharmacist = TechnicianFactory(), PharmacistFactory(second_factor=True)

    def add(count: int, first_day: int) -> list:
        return [
            filled_prescription(
                technician=technician,
                pharmacist=pharmacist,
                dispensed_at=datetime.datetime(2026, 12, first_day + i, 10, tzinfo=NEW_YORK),
                lot=LOT if i % 2 == 0 else "OTHER-LOT",
            )
            for i in range(count)
        ]

    def read(client) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(URL, {"lot": LOT.lower()})
        assert response.status_code == 200
        return len(captured), response.content.decode()

    with time_machine.travel(datetime.datetime(2026, 12, 20, 12, tzinfo=NEW_YORK), tick=False):
        first = add(4, first_day=1)
        client = staff_client(pharmacist)
        client.get(URL)  # the session's first request
        few, _page = read(client)
        second = add(8, first_day=5)
        many, page = read(client)
        exported = client.get("/dashboard/pharmacy/dispense/recall.csv", {"lot": LOT})
    assert many == few, f"{few} queries for 2 packs of the lot, {many} for 6"
    in_lot = [p for p in first + second if p.dispenses.get().packs.filter(lot=LOT).exists()]
    assert len(in_lot) == 6
    assert "6 pack(s) of lot" in page
    for prescription in first + second:
        assert (prescription.reference in page) == (prescription in in_lot)
    rows = list(csv.DictReader(io.StringIO(exported.content.decode())))
    assert [r["Prescription"] for r in rows] == [p.reference for p in in_lot]  # by dispense time
    assert all("United States" in r["Ship to"] for r in rows)
