"""The queue: oldest first, age against the target, filters, counts, and a
cost that does not grow with the number of waiting prescriptions (issue 5 §2)."""

from __future__ import annotations

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from prescriptions import services as prescription_services
from prescriptions.models import Patient, Prescription, _open_status_door
from prescriptions.review import selectors, services
from tests.factories import product
from tests.prescriptions.conftest import submit

from .conftest import good_transcription, transcribe

pytestmark = pytest.mark.django_db

QUEUE = "/dashboard/pharmacy/"


def backdate(prescription, **delta):
    Prescription.objects.filter(pk=prescription.pk).update(created_at=timezone.now() - datetime.timedelta(**delta))


def bulk_waiting(customer, count: int, upc: str = "RX-ISO-20"):
    """``count`` waiting prescriptions in one INSERT (the status door is opened
    for the test: these rows skip the upload, which the queue does not read)."""
    patient, _ = Patient.objects.get_or_create(
        account=customer,
        relationship="self",
        defaults={
            "first_name": customer.first_name,
            "last_name": customer.last_name,
            "date_of_birth": datetime.date(1994, 5, 17),
            "address_line1": "22 Jay Street",
            "city": "Brooklyn",
            "state": "NY",
            "postcode": "11201",
        },
    )
    item = product(upc)
    rows = [
        Prescription(
            customer=customer,
            patient=patient,
            product=item,
            drug_name="Isotretinoin",  # submitted
            strength="20 mg",
            quantity=30,
            prescriber_name="Dr Jane Smith",
            prescriber_phone="+1 212 555 0199",
        )
        for _ in range(count)
    ]
    with _open_status_door():
        Prescription.objects.bulk_create(rows, batch_size=500)


def references(html: str) -> list[str]:
    return re.findall(r">(RX-[0-9A-F]{8})</a>", html)


def test_oldest_first_with_age_against_the_target(alice, bob, pharmacist_client):
    newer = submit(alice)
    older = submit(bob)
    backdate(older, hours=6)
    backdate(newer, minutes=20)
    page = pharmacist_client.get(QUEUE).content.decode()
    assert references(page) == [older.reference, newer.reference]
    assert "6 h 00 min" in page and "20 min" in page
    assert page.count("past target") == 1  # REVIEW_TARGET_HOURS = 4
    assert "1 older than 4 h" in page


def row_of(html: str, prescription) -> str:
    (row,) = [r for r in re.findall(r"<tr>(.*?)</tr>", html, re.S) if f">{prescription.reference}</a>" in r]
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))


def test_each_row_shows_its_status_and_whether_step_1_is_done(alice, bob, pharmacist, technician, pharmacist_client):
    waiting = submit(alice)
    transcribed = submit(bob)
    transcribe(transcribed, technician)
    transcribe(transcribed, technician, good_transcription(directions="Take one capsule twice daily with food."))
    opened = submit(bob)
    services.claim_for_review(prescription=opened, reviewer=pharmacist)
    page = pharmacist_client.get(QUEUE).content.decode()
    assert " Submitted " in row_of(page, waiting) and " Not yet " in row_of(page, waiting)
    assert " Transcribed (v2) " in row_of(page, transcribed)
    assert " In review " in row_of(page, opened) and " You " in row_of(page, opened)


def test_a_row_reads_the_transcription_version_and_nothing_else_of_it(alice):
    """The queue shows step 1 as "Transcribed (vN)": one column, not the whole transcription per row."""
    sql = str(selectors.queue_queryset(user=alice, filters=selectors.QueueFilters(), now=timezone.now()).query)
    assert set(re.findall(r'"review_transcription"\."(\w+)"', sql)) == {"version", "prescription_id"}, sql


def test_target_time_is_a_setting(alice, pharmacist_client, settings):
    settings.REVIEW_TARGET_HOURS = 8
    backdate(submit(alice), hours=6)
    assert "past target" not in pharmacist_client.get(QUEUE).content.decode()


def test_counts_per_state_come_from_one_query(alice, bob, pharmacist, technician):
    submit(alice)
    in_review = submit(alice)
    services.claim_for_review(prescription=in_review, reviewer=pharmacist)
    asked = submit(bob)
    services.claim_for_review(prescription=asked, reviewer=pharmacist)
    services.request_information(prescription=asked, pharmacist=pharmacist, question="Page 2, please.")
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.queue_counts()
    assert len(queries) == 1
    assert {k: v["count"] for k, v in counts.items()} == {"submitted": 1, "in_review": 1, "info_requested": 1}


def test_filters_status_programme_and_claim(alice, bob, pharmacist, technician, pharmacist_client):
    iso = submit(alice)
    doxy = submit(bob, upc="RX-DOXY-100")
    mine = submit(alice)
    services.claim_for_review(prescription=mine, reviewer=pharmacist)
    theirs = submit(bob)
    services.claim_for_review(prescription=theirs, reviewer=technician)

    def shown(**params):
        return set(references(pharmacist_client.get(QUEUE, params).content.decode()))

    assert shown() == {iso.reference, doxy.reference, mine.reference, theirs.reference}
    assert shown(programme="ipledge") == {iso.reference, mine.reference, theirs.reference}
    assert shown(programme="none") == {doxy.reference}
    assert shown(claim="mine") == {mine.reference}
    assert shown(claim="unclaimed") == {iso.reference, doxy.reference}
    assert shown(claim="others") == {theirs.reference}
    assert shown(status="in_review") == {mine.reference}
    assert shown(status="submitted") == {iso.reference, doxy.reference, theirs.reference}
    page = pharmacist_client.get(QUEUE).content.decode()
    assert "Tom Becker" in page  # who holds it


def test_a_lapsed_claim_shows_as_unclaimed(alice, technician, pharmacist_client):
    waiting = submit(alice)
    services.claim_for_review(prescription=waiting, reviewer=technician)
    from prescriptions.review.models import ReviewClaim

    ReviewClaim.objects.filter(prescription=waiting).update(expires_at=timezone.now() - datetime.timedelta(minutes=1))
    assert references(pharmacist_client.get(QUEUE, {"claim": "unclaimed"}).content.decode()) == [waiting.reference]


def test_keyset_pages_cover_the_queue_once_in_order(alice, pharmacist_client, settings):
    settings.REVIEW_QUEUE_PAGE_SIZE = 7
    bulk_waiting(alice, 20)
    expected = [p.reference for p in Prescription.objects.order_by("created_at", "id")]
    seen, url, pages = [], QUEUE, []
    while url:
        response = pharmacist_client.get(url)
        html = response.content.decode()
        pages.append(references(html))
        seen += pages[-1]
        match = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', html)
        url = (QUEUE + match.group(1).replace("&amp;", "&")) if match else None
    assert seen == expected and [len(p) for p in pages] == [7, 7, 6]
    # and back again
    last = pharmacist_client.get(
        QUEUE + "?" + "after=" + selectors.encode_cursor(Prescription.objects.order_by("created_at", "id")[13])
    ).content.decode()
    previous = re.search(r'href="(\?[^"]*before=[^"]*)" rel="prev"', last).group(1).replace("&amp;", "&")
    assert references(pharmacist_client.get(QUEUE + previous).content.decode()) == expected[7:14]


def test_a_malformed_cursor_shows_the_first_page(alice, pharmacist_client):
    submit(alice)
    for junk in ("abc", "!!!", "eyJ4IjoxfQ"):
        assert pharmacist_client.get(QUEUE, {"after": junk}).status_code == 200


def count_queue_queries(client) -> int:
    client.get(QUEUE)  # warm per-process caches (templates, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(QUEUE)
    assert response.status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_for_10_and_1000_waiting_prescriptions(
    alice, pharmacist, technician, pharmacist_client
):
    bulk_waiting(alice, 10)
    for waiting in Prescription.objects.order_by("id")[:3]:  # some claimed, some transcribed
        services.claim_for_review(prescription=waiting, reviewer=technician)
    ten = count_queue_queries(pharmacist_client)
    bulk_waiting(alice, 990)
    thousand = count_queue_queries(pharmacist_client)
    assert Prescription.objects.count() == 1000
    assert ten == thousand, (ten, thousand)
    assert len(references(pharmacist_client.get(QUEUE).content.decode())) == 50


@pytest.fixture
def long_queue_on_postgresql(alice):
    """2,000 waiting prescriptions, analysed, with sequential scans off (as at scale)."""
    bulk_waiting(alice, 2000)
    with connection.cursor() as cursor:
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("ANALYZE prescriptions_prescription")


def _explain(sql, params) -> str:
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.postgresql  # EXPLAIN output is PostgreSQL's
def test_the_queue_uses_its_index_on_postgresql(alice, long_queue_on_postgresql):
    query = selectors.queue_queryset(user=alice, filters=selectors.QueueFilters(), now=timezone.now())
    plan = _explain(*query.order_by("created_at", "id")[:51].query.sql_with_params())
    assert "review_rx_queue" in plan, plan


@pytest.mark.postgresql
def test_a_later_page_reads_a_range_of_the_index_on_postgresql(alice, long_queue_on_postgresql):
    """Page 50 costs what page 1 costs: the cursor is an index range, the scan stops after the page."""
    cursor = selectors.encode_cursor(Prescription.objects.order_by("created_at", "id")[1000])
    for direction in ("after", "before"):
        with CaptureQueriesContext(connection) as queries:
            page = selectors.review_queue(user=alice, filters=selectors.QueueFilters(), **{direction: cursor})
        assert len(page.rows) == 50
        (page_query,) = [q["sql"] for q in queries if 'FROM "prescriptions_prescription"' in q["sql"]]
        plan = _explain(page_query, ())
        operator = ">" if direction == "after" else "<"
        assert f"Index Cond: (ROW(created_at, id) {operator} ROW(" in plan, plan
        assert "Sort" not in plan.split("Index Scan")[0], plan  # read in order, not fetched then sorted


def test_the_counts_need_nothing_but_their_index(alice):
    """The counts per state read only columns of the partial index review_rx_queue_states,
    so PostgreSQL answers them from the index (an index-only scan of the open prescriptions)
    instead of fetching each row."""
    bulk_waiting(alice, 30)
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.queue_counts()
    assert counts["submitted"]["count"] == 30 and counts["submitted"]["overdue"] == 0
    (count_query,) = [q["sql"] for q in queries]
    assert set(re.findall(r'"prescriptions_prescription"\."(\w+)"', count_query)) == {"status", "created_at"}
    if connection.vendor == "postgresql":
        with connection.cursor() as db:
            db.execute("SELECT indexdef FROM pg_indexes WHERE indexname = 'review_rx_queue_states'")
            (definition,) = db.fetchone()
    else:
        with connection.cursor() as db:
            db.execute("SELECT sql FROM sqlite_master WHERE name = 'review_rx_queue_states'")
            (definition,) = db.fetchone()
    assert "(status, created_at)" in definition and "WHERE" in definition


# --- Answers to the pharmacist's questions (issue 20.6) ------------------------------------------


def answered_prescription(customer, pharmacist, *, hours_ago: int = 8):
    prescription = submit(customer)
    backdate(prescription, hours=hours_ago)
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    services.request_information(prescription=prescription, pharmacist=pharmacist, question="Which strength?")
    prescription_services.answer_information_request(
        prescription=prescription, customer=customer, answer="20 mg, as written.", files=[]
    )
    prescription.refresh_from_db()
    return prescription


def test_a_customers_answer_is_its_own_state_at_the_top_of_the_queue(alice, bob, pharmacist, pharmacist_client):
    oldest = submit(bob)
    backdate(oldest, hours=30)
    answered = answered_prescription(alice, pharmacist)
    newer = submit(bob)
    page = pharmacist_client.get(QUEUE).content.decode()
    assert references(page) == [answered.reference, oldest.reference, newer.reference]
    assert " Answered — needs your look " in row_of(page, answered)
    assert " Submitted " in row_of(page, oldest) and "Answered" not in row_of(page, oldest)
    assert "answers first (1)" in page


def test_the_answered_filter_shows_only_answers(alice, bob, pharmacist, pharmacist_client):
    answered = answered_prescription(alice, pharmacist)
    submit(bob)
    page = pharmacist_client.get(QUEUE, {"status": "answered"}).content.decode()
    assert references(page) == [answered.reference]


def test_an_answer_is_listed_once_across_the_pages(alice, bob, pharmacist, pharmacist_client, settings):
    settings.REVIEW_QUEUE_PAGE_SIZE = 2
    answered = answered_prescription(alice, pharmacist)
    others = [submit(bob) for _ in range(3)]
    seen, url = [], QUEUE
    while url:
        response = pharmacist_client.get(url)
        seen += references(response.content.decode())
        url = QUEUE + response.context["next_url"] if response.context["next_url"] else ""
    assert seen.count(answered.reference) == 1
    assert sorted(seen) == sorted([answered.reference] + [o.reference for o in others])
