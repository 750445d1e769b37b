"""Staff views of a patient's data are logged (HIPAA audit controls, 45 CFR
164.312(b); prescriptions/audit.py): one row per view, with who, what, whose and
from where; the inspector sees them in the prescription's history. A customer's
own pages log nothing."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from prescriptions.models import StaffDataView
from prescriptions.review import selectors
from tests.prescriptions.conftest import submit
from tests.review.conftest import staff_client
from tests.security.world import build_order_for

pytestmark = pytest.mark.django_db

PROXY = {
    "REMOTE_ADDR": "10.0.0.2",
    "HTTP_X_FORWARDED_FOR": "192.0.2.1, 198.51.100.23",
    "HTTP_USER_AGENT": "ReviewDesk/3",
}


@pytest.fixture
def staff(demo_shop):
    User = get_user_model()
    return {role: User.objects.get(email=f"{role}@example.com") for role in ("pharmacist", "admin")}


@pytest.fixture
def prescription(alice):
    return submit(alice)


@pytest.fixture
def order(alice):
    return build_order_for(alice)


def _pages(prescription, order, alice):
    return [
        (
            "pharmacist",
            f"/dashboard/pharmacy/prescriptions/{prescription.public_id}/",
            "dashboard:pharmacy-review",
            {"prescription": prescription, "customer_id": alice.pk},
        ),
        (
            "pharmacist",
            f"/dashboard/pharmacy/history/{prescription.public_id}/",
            "dashboard:pharmacy-history",
            {"prescription": prescription, "customer_id": alice.pk},
        ),
        (
            "admin",
            f"/dashboard/orders/{order.number}/",
            "dashboard:order-detail",
            {"order_number": str(order.number), "customer_id": alice.pk},
        ),
        ("admin", f"/dashboard/users/{alice.pk}/", "dashboard:user-detail", {"customer_id": alice.pk}),
        ("admin", "/dashboard/orders/?name=Alice", "dashboard:order-list", {"customer_id": None}),
        ("admin", "/dashboard/users/?email=alice", "dashboard:users-index", {}),
    ]


def test_each_staff_view_of_patient_data_writes_one_row(staff, alice, prescription, order, settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    for role, url, page, expected in _pages(prescription, order, alice):
        client = staff_client(staff[role])
        before = StaffDataView.objects.count()
        response = client.get(url, **PROXY)
        assert response.status_code == 200, url
        assert StaffDataView.objects.count() == before + 1, url
        row = StaffDataView.objects.order_by("-id").first()
        assert (row.user, row.page, row.path, row.ip_address, row.user_agent) == (
            staff[role],
            page,
            url,
            "198.51.100.23",
            "ReviewDesk/3",
        ), url
        for field, value in expected.items():
            assert getattr(row, field) == value, (url, field)
        client.get(url, **PROXY)
        assert StaffDataView.objects.count() == before + 2, url  # every view, not only the first


def test_unsearched_lists_and_refused_pages_log_nothing(staff, alice, prescription, order):
    admin = staff_client(staff["admin"])
    assert admin.get("/dashboard/orders/").status_code == 200
    assert admin.get("/dashboard/users/").status_code == 200
    technician = staff_client(get_user_model().objects.get(email="technician@example.com"))
    assert technician.get(f"/dashboard/orders/{order.number}/").status_code in (302, 403)
    assert not StaffDataView.objects.exists()


def test_a_customers_own_pages_log_nothing(alice_client, prescription, order):
    for url in (
        f"/prescriptions/{prescription.public_id}/",
        "/prescriptions/",
        f"/accounts/orders/{order.number}/",
        "/accounts/profile/",
        f"/prescriptions/files/{prescription.files.get().public_id}/",
    ):
        assert alice_client.get(url).status_code == 200, url
    assert not StaffDataView.objects.exists()


def test_the_log_is_append_only(staff, prescription):
    from prescriptions.models import AppendOnlyError

    staff_client(staff["pharmacist"]).get(f"/dashboard/pharmacy/history/{prescription.public_id}/")
    row = StaffDataView.objects.get()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        StaffDataView.objects.update(ip_address=None)


def test_the_inspector_sees_staff_views_grouped_per_person_per_day(staff, alice, prescription):
    client = staff_client(staff["pharmacist"])
    for _ in range(3):
        client.get(f"/dashboard/pharmacy/prescriptions/{prescription.public_id}/", REMOTE_ADDR="203.0.113.8")
    entries = [e for e in selectors.prescription_history(prescription) if e.kind == "staff-view"]
    assert len(entries) == 1
    (entry,) = entries
    assert entry.summary.startswith("Viewed the review screen (3 times on ")
    assert entry.ip_address == "203.0.113.8"
    page = client.get(f"/dashboard/pharmacy/history/{prescription.public_id}/").content.decode()
    assert "Viewed the review screen (3 times on " in page
