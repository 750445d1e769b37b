"""The inspector's access log (issue 18.8): every logged staff look at a patient's data
(``StaffDataView``, prescriptions.audit) and every prescription file open, newest first,
whatever page it was on, not only those tied to a prescription: a customer's account,
the order and customer searches, an order of over-the-counter goods."""

from __future__ import annotations

import csv
import datetime
import io

import pytest
import time_machine
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prescriptions.models import PrescriptionFileAccess, StaffDataView
from prescriptions.review import permissions
from tests.factories import CustomerFactory, PharmacistFactory, submit
from tests.security.world import build_order_for

from .conftest import staff_client

pytestmark = pytest.mark.django_db

LOG = "/dashboard/pharmacy/access-log/"
CSV = "/dashboard/pharmacy/access-log/export.csv"


def _rows(response) -> list[dict]:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def _view(user, **fields) -> StaffDataView:
    fields.setdefault("page", "dashboard:order-detail")
    fields.setdefault("path", "/dashboard/orders/")
    return StaffDataView.objects.create(user=user, **fields)


@pytest.fixture
def order(alice):
    """Alice's order of lip balm: over the counter, no prescription anywhere near it."""
    return build_order_for(alice)


@pytest.fixture
def looked_at(shop_admin, alice, order):
    """The shop administrator opens Alice's account, searches the orders for hers, opens it."""
    admin_client = staff_client(shop_admin)
    for url in (
        f"/dashboard/users/{alice.pk}/",
        "/dashboard/orders/?name=Alice",
        f"/dashboard/orders/{order.number}/",
    ):
        assert admin_client.get(url, REMOTE_ADDR="203.0.113.7").status_code == 200, url
    assert StaffDataView.objects.count() == 3


def test_the_inspector_sees_views_of_an_account_a_search_and_an_otc_order(pharmacist, looked_at, alice, order):
    response = staff_client(pharmacist).get(LOG)
    assert response.status_code == 200
    page = response.content.decode()
    for shown in (
        "Customer account",
        "Order search",
        "/dashboard/orders/?name=Alice",
        f"order {order.number}",
        "alice@example.com",
        "203.0.113.7",
        "admin@example.com",
    ):
        assert shown in page, shown
    # Newest first: the order, the search, the account.
    assert (
        page.index(f"/dashboard/orders/{order.number}/") < page.index("Order search") < page.index("Customer account")
    )


def test_prescription_file_opens_are_in_the_log(pharmacist, alice):
    prescription = submit(alice)
    file = prescription.files.get()
    assert staff_client(pharmacist).get(f"/prescriptions/files/{file.public_id}/").status_code == 200
    assert PrescriptionFileAccess.objects.filter(file=file, user=pharmacist).count() == 1
    page = staff_client(pharmacist).get(LOG).content.decode()
    assert "Prescription file opened" in page
    assert prescription.reference in page


def test_only_holders_of_view_audit_trail_may_open_it(technician, pharmacist, looked_at):
    # A pharmacist given the workspace and decisions, but not the audit trail.
    without = PharmacistFactory(second_factor=True)
    without.groups.clear()
    for perm in (permissions.ACCESS_WORKSPACE, permissions.TRANSCRIBE, permissions.DECIDE):
        app_label, codename = perm.split(".")
        without.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
    assert staff_client(without).get("/dashboard/pharmacy/").status_code == 200
    for user in (without, technician):
        for url in (LOG, CSV):
            assert staff_client(user).get(url).status_code == 403, (user, url)
    assert staff_client(pharmacist).get(LOG).status_code == 200


def test_it_is_never_cached(pharmacist, looked_at):
    client = staff_client(pharmacist)
    for url in (LOG, CSV):
        directives = {d.strip() for d in client.get(url)["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives, url


def test_opening_it_is_logged_with_the_customer_and_order_searched(pharmacist, alice, order, looked_at):
    client = staff_client(pharmacist)
    client.get(LOG, {"customer": "ALICE@example.com", "order_number": order.number}, REMOTE_ADDR="198.51.100.4")
    row = StaffDataView.objects.order_by("-id").first()
    assert (row.user, row.page, row.customer_id, row.order_number, row.ip_address) == (
        pharmacist,
        "dashboard:pharmacy-access-log",
        alice.pk,
        str(order.number),
        "198.51.100.4",
    )
    client.get(CSV)
    assert StaffDataView.objects.order_by("-id").first().page == "dashboard:pharmacy-access-log-csv"
    # The next look at the log shows the inspector's own look.
    assert "Access log" in client.get(LOG, {"staff": pharmacist.pk}).content.decode()


def test_filter_by_customer_covers_their_account_orders_prescriptions_and_files(
    pharmacist, shop_admin, alice, bob, order
):
    prescription = submit(alice)
    bobs_order = build_order_for(bob)
    _view(shop_admin, page="dashboard:user-detail", path=f"/dashboard/users/{alice.pk}/", customer_id=alice.pk)
    _view(shop_admin, page="dashboard:order-list", path="/dashboard/orders/?order_number=X", order_number=order.number)
    _view(pharmacist, page="dashboard:pharmacy-review", path="/review-of-alice/", prescription=prescription)
    _view(shop_admin, path="/orders-of-bob/", order_number=str(bobs_order.number), customer_id=bob.pk)
    _view(shop_admin, page="dashboard:user-detail", path=f"/dashboard/users/{bob.pk}/", customer_id=bob.pk)
    PrescriptionFileAccess.objects.create(file=prescription.files.get(), user=pharmacist, ip_address="192.0.2.9")
    client = staff_client(pharmacist)
    for customer in ("alice@EXAMPLE.com", str(alice.pk)):
        # Less the log's own openings (the first loop's is one of them: it named Alice).
        rows = [r for r in _rows(client.get(CSV, {"customer": customer})) if not r["what"].startswith("Access log")]
        assert sorted(r["path"] for r in rows) == sorted(
            ["/dashboard/orders/?order_number=X", f"/dashboard/users/{alice.pk}/", "/review-of-alice/", ""]
        ), customer
        assert {r["log"] for r in rows} == {"page view", "file open"}
    page = client.get(LOG, {"customer": "alice@example.com"}).content.decode()
    assert "/orders-of-bob/" not in page and "/review-of-alice/" in page


def test_filter_by_staff_member_order_number_and_dates(pharmacist, shop_admin, alice, order):
    prescription = submit(alice)
    with time_machine.travel(datetime.datetime(2026, 3, 1, 15, 0, tzinfo=datetime.UTC), tick=False):
        _view(shop_admin, path="/march/", order_number=str(order.number), customer_id=alice.pk)
    with time_machine.travel(datetime.datetime(2026, 3, 20, 15, 0, tzinfo=datetime.UTC), tick=False):
        _view(pharmacist, page="dashboard:pharmacy-review", path="/march-20/", prescription=prescription)
        _view(shop_admin, path="/other-order/", order_number="999999")
    client = staff_client(pharmacist)

    def paths(**query):
        return sorted(r["path"] for r in _rows(client.get(CSV, query)) if not r["what"].startswith("Access log"))

    assert paths(staff=shop_admin.pk) == ["/march/", "/other-order/"]
    assert paths(order_number=order.number) == ["/march/"]
    assert paths(order_number="999999") == ["/other-order/"]
    assert paths(date_from="2026-03-01", date_to="2026-03-01") == ["/march/"]
    assert paths(date_from="2026-03-02", date_to="2026-03-31") == ["/march-20/", "/other-order/"]
    assert paths(staff=pharmacist.pk, date_to="2026-03-31") == ["/march-20/"]


def test_an_unknown_customer_or_backwards_dates_are_told_not_ignored(pharmacist, looked_at):
    client = staff_client(pharmacist)
    page = client.get(LOG, {"customer": "nobody@example.com"}).content.decode()
    assert "No account has that e-mail address or id." in page
    assert "Customer account" not in page  # not the whole log instead
    page = client.get(LOG, {"date_from": "2026-03-02", "date_to": "2026-03-01"}).content.decode()
    assert "The end date is before the start date." in page
    assert client.get(CSV, {"customer": "nobody@example.com"}).status_code == 400


def test_the_csv_has_every_column_and_no_formula(pharmacist, shop_admin, alice, order):
    _view(shop_admin, order_number=str(order.number), customer_id=alice.pk, ip_address="192.0.2.1", user_agent="=cmd()")
    (row,) = [r for r in _rows(staff_client(pharmacist).get(CSV)) if r["what"] == "Order"]
    assert row["staff_email"] == "admin@example.com"
    assert row["customer_email"] == "alice@example.com"
    assert row["customer_id"] == str(alice.pk)
    assert row["order_number"] == str(order.number)
    assert row["ip_address"] == "192.0.2.1"
    assert row["user_agent"] == "'=cmd()"
    assert row["time_utc"].endswith("+00:00")


def test_pages_walk_the_whole_log_once_newest_first_across_both_logs(pharmacist, shop_admin, alice, settings):
    settings.REVIEW_QUEUE_PAGE_SIZE = 3
    file = submit(alice).files.get()
    expected = []
    # Two instants, each with page views and file opens (ties broken by log, then id).
    for minute in (1, 2):
        with time_machine.travel(datetime.datetime(2026, 4, 1, 9, minute, tzinfo=datetime.UTC), tick=False):
            for n in range(3):
                expected.append(_view(shop_admin, path=f"/v{minute}{n}/").path)
                PrescriptionFileAccess.objects.create(file=file, user=pharmacist, user_agent=f"f{minute}{n}")
                expected.append(f"f{minute}{n}")
    client = staff_client(pharmacist)
    query = {"date_to": "2026-04-01"}  # leaves out the log's own rows
    seen, pages, url = [], [], LOG
    while url:
        response = client.get(url, query if url == LOG else None)
        rows = response.context["page"].rows
        pages.append(response.request["QUERY_STRING"])
        seen.extend(row.path or row.user_agent for row in rows)
        url = (LOG + response.context["next_url"]) if response.context["next_url"] else None
        assert "date_to=2026-04-01" in (response.context["next_url"] or "date_to=2026-04-01")
    assert len(pages) == 4
    assert sorted(seen) == sorted(expected) and len(seen) == len(set(seen))
    # Newest first: minute 2 before minute 1; within one instant, views before file opens, newest id first.
    assert seen[:6] == ["/v22/", "/v21/", "/v20/", "f22", "f21", "f20"]
    # Newer goes back to the page before.
    second = client.get(LOG + "?" + pages[1])
    back = client.get(LOG + second.context["previous_url"])
    assert [r.path or r.user_agent for r in back.context["page"].rows] == seen[:3]


def _log_of(size: int, staff, file):
    for n in range(size):
        if n % 2:
            _view(staff, path=f"/p{n}/", customer_id=CustomerFactory().pk)
        else:
            PrescriptionFileAccess.objects.create(file=file, user=staff)


def test_the_query_count_does_not_grow_with_the_log(pharmacist, shop_admin, alice):
    file = submit(alice).files.get()
    client = staff_client(pharmacist)
    counts = []
    for size in (5, 50):
        _log_of(size, shop_admin, file)
        client.get(LOG)  # the menu and the session, as on any later page
        with CaptureQueriesContext(connection) as queries:
            response = client.get(LOG)
        assert response.status_code == 200 and len(response.context["page"].rows) >= size
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_the_dashboard_menu_and_the_inspector_link_to_it(pharmacist, technician):
    client = staff_client(pharmacist)
    link = f'href="{reverse("dashboard:pharmacy-access-log")}"'
    assert link in client.get("/dashboard/pharmacy/").content.decode()
    assert link in client.get(reverse("dashboard:pharmacy-inspector")).content.decode()
    assert link not in staff_client(technician).get("/dashboard/pharmacy/").content.decode()


def test_the_admin_shows_staff_views_read_only(shop_admin, looked_at):
    model_admin = admin.site._registry[StaffDataView]
    client = staff_client(shop_admin)
    request = client.get("/admin/").wsgi_request
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert client.get("/admin/prescriptions/staffdataview/").status_code == 200
    row = StaffDataView.objects.first()
    assert client.get(f"/admin/prescriptions/staffdataview/{row.pk}/change/").status_code == 200
    assert client.post(f"/admin/prescriptions/staffdataview/{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert client.get("/admin/prescriptions/staffdataview/add/").status_code == 403
    assert StaffDataView.objects.filter(pk=row.pk).exists()
