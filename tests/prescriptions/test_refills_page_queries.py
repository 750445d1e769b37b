"""The pharmacy's refills page (``/dashboard/pharmacy/refills/``) reads a fixed number of rows
and queries whatever the number of prescriptions (issue 25, target 4): the candidates are chosen
in SQL by when their supply runs out, the products' drug facts are read in bulk, and the list is
paged by keyset. The rows are the ones reading every verified prescription in Python gave."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prescriptions import refills
from prescriptions.models import Prescription, PrescriptionStatus
from tests.factories import PharmacistFactory, TechnicianFactory, staff_client
from tests.factories.fills import filled_prescription

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
URL = "/dashboard/pharmacy/refills/"


def ny(month: int, day: int, hour: int = 12, minute: int = 0, year: int = 2026) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=NEW_YORK)


@pytest.fixture
def staff():
    return TechnicianFactory(), PharmacistFactory(second_factor=True)


def add(count: int, staff) -> tuple[list[Prescription], list[Prescription]]:
    """``count`` prescriptions running out on Dec 28 (with automatic refills), ``count`` not before mid-January."""
    technician, pharmacist = staff
    due, later = [], []
    for _ in range(count):
        due.append(
            filled_prescription(
                technician=technician, pharmacist=pharmacist, dispensed_at=ny(12, 1, 23, 30), auto_refill=True
            )
        )
        later.append(filled_prescription(technician=technician, pharmacist=pharmacist, dispensed_at=ny(12, 20)))
    return due, later


def queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_page_costs_the_same_queries_for_three_times_the_prescriptions(staff):
    with time_machine.travel(ny(12, 24), tick=False):
        due, later = add(2, staff)
        client = staff_client(staff[1])
        client.get(URL)  # the session's first request
        few, page = queries(client)
        more_due, more_later = add(4, staff)
        many, page = queries(client)
    assert many == few, f"{few} queries for 2 due prescriptions, {many} for 6"
    running_out = page.split('id="auto-heading"')[0]
    automatic = page.split('id="auto-heading"')[1].split('id="transfers-heading"')[0]
    for prescription in due + more_due:
        assert prescription.reference in running_out and prescription.reference in automatic
    for prescription in later + more_later:
        assert prescription.reference not in page


def every_verified_one_in_python(today: datetime.date, days_ahead: int) -> list[refills.UpcomingRefill]:
    """What the page showed before issue 25: every verified prescription filled once, judged in Python."""
    candidates = list(
        Prescription.objects.filter(status=PrescriptionStatus.VERIFIED, fills_used__gte=1)
        .select_related("patient", "product", "transcription")
        .order_by("pk")
    )
    rows = []
    for info in refills.refill_infos(candidates, today=today).values():
        runs_out = info.status.runs_out_on
        if info.last_fill is None or not info.last_fill.dispense_id or not info.status.may_remind or runs_out is None:
            continue
        if (runs_out - today).days > days_ahead:
            continue
        rows.append(
            refills.UpcomingRefill(
                info.prescription, info, runs_out, (runs_out - today).days, (today - info.last_fill.on).days
            )
        )
    return sorted(rows, key=lambda r: (r.runs_out_on, r.prescription.pk))


def shown(rows) -> list[tuple]:
    return [
        (r.prescription.pk, r.runs_out_on, r.days_left, r.since_last_fill, r.info.status, r.info.packs) for r in rows
    ]


def test_the_rows_chosen_in_sql_are_the_ones_every_prescription_judged_in_python_gave(staff):
    technician, pharmacist = staff
    with time_machine.travel(ny(12, 23), tick=False):

        def fill(dispensed_at, **kwargs):
            return filled_prescription(
                technician=technician, pharmacist=pharmacist, dispensed_at=dispensed_at, **kwargs
            )

        edge = fill(ny(12, 1, 23, 30), days_supply=30)  # New York's Dec 1 (UTC's Dec 2): runs out Dec 30, in 7 days
        past_edge = fill(ny(12, 2, 0, 30), days_supply=30)  # runs out Dec 31: in 8 days
        long_gone = fill(ny(9, 1), days_supply=28)  # ran out in September: still listed
        same_day = [fill(ny(12, 1, 9), days_supply=28) for _ in range(3)]  # ties on the day: by id
        used_up = fill(ny(11, 1), days_supply=28)
        Prescription.objects.filter(pk=used_up.pk).update(fills_used=3)  # 1 + 2 refills: none left
        expired = fill(ny(11, 1), days_supply=28)
        Prescription.objects.filter(pk=expired.pk).update(expires_on=datetime.date(2026, 12, 22))
        schedule_ii = fill(ny(11, 1), days_supply=28)
        schedule_ii.product.attr.dea_schedule = 2  # rescheduled since: federal law allows no refill
        schedule_ii.product.attr.save()
        today, days_ahead = datetime.date(2026, 12, 23), 7
        expected = every_verified_one_in_python(today, days_ahead)
        assert shown(refills.upcoming_refills(today=today, days_ahead=days_ahead)) == shown(expected)
        listed = {r.prescription.pk for r in expected}
        assert listed == {edge.pk, long_gone.pk, *(p.pk for p in same_day)}
        assert not {past_edge.pk, used_up.pk, expired.pk, schedule_ii.pk} & listed

        # Paged two candidates at a time, the pages add up to the same list.
        pages, after = [], None
        while True:
            page = refills.upcoming_refills_page(today=today, days_ahead=days_ahead, after=after, limit=2)
            pages.extend(page.rows)
            if page.next_after is None:
                break
            after = page.next_after
        assert shown(pages) == shown(expected)


def test_the_page_shows_a_page_of_candidates_and_links_to_the_next(staff, monkeypatch):
    monkeypatch.setattr(refills, "UPCOMING_PAGE", 2)
    with time_machine.travel(ny(12, 24), tick=False):
        due, _later = add(3, staff)
        client = staff_client(staff[1])
        first = client.get(URL).content.decode()
        assert [p.reference in first.split('id="auto-heading"')[0] for p in due] == [True, True, False]
        cursor = first.split('href="?after=', 1)[1].split('"', 1)[0]
        second = client.get(URL, {"after": cursor.replace("%2E", ".")}).content.decode()
        running_out = second.split('id="auto-heading"')[0]
        assert [p.reference in running_out for p in due] == [False, False, True]
        assert 'href="?after=' not in second
        assert client.get(URL, {"after": "nonsense"}).status_code == 200
