"""A parent who orders only for a child: the pharmacy still needs the account holder's
own date of birth (RULES.md 3.7), and "About you" is where it is given."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from oscar.core.loading import get_model

from prescriptions.models import Patient, PrescriptionStatus
from prescriptions.review import services as review
from tests.factories import add_to_basket, checkout_to_preview
from tests.prescriptions.conftest import submit
from tests.review.conftest import good_transcription, transcribe

Line = get_model("basket", "Line")

pytestmark = pytest.mark.django_db

ABOUT_ME = "/accounts/about-me/"


def years_ago(years: int, days: int = 0) -> datetime.date:
    today = timezone.localdate()
    try:
        birthday = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        birthday = today.replace(year=today.year - years, day=28)
    return birthday - datetime.timedelta(days=days)


@pytest.fixture
def parent(demo_shop, django_user_model):
    user = django_user_model.objects.create_user(
        username="maria@example.com",
        email="maria@example.com",
        password="a-long-password-2026",
        first_name="Maria",
        last_name="Lopez",
    )
    return user


@pytest.fixture
def parent_client(client, parent):
    client.force_login(parent)
    return client


@pytest.fixture
def child_prescription_in_basket(parent, parent_client, technician, pharmacist):
    child = Patient.objects.create(
        account=parent,
        relationship=Patient.Relationship.CHILD,
        first_name="Lucia",
        last_name="Lopez",
        date_of_birth=years_ago(16),
        address_line1="5 Elm St",
        city="Albany",
        state="NY",
        postcode="12207",
    )
    add_to_basket(parent_client, "RX-ISO-20")
    line = Line.objects.get(basket__owner=parent, product__upc="RX-ISO-20")
    prescription = submit(parent, "RX-ISO-20", basket_line=line, patient=child)
    transcribe(prescription, technician, good_transcription())
    prescription.refresh_from_db()
    review.claim_for_review(prescription=prescription, reviewer=pharmacist)
    evaluation = review.evaluate_transcription(prescription=prescription, user=pharmacist)
    overrides = {f.rule_id: "Checked with the prescriber by phone." for f in evaluation.warnings}
    review.verify_prescription(
        prescription=prescription,
        pharmacist=pharmacist,
        expected_version=prescription.transcription.version,
        warning_overrides=overrides,
    )
    prescription.refresh_from_db()
    assert prescription.status == PrescriptionStatus.VERIFIED
    return prescription


def details(**changes) -> dict:
    return {
        "first_name": "Maria",
        "last_name": "Lopez",
        "date_of_birth": years_ago(41).isoformat(),
        "address_line1": "5 Elm St",
        "city": "Albany",
        "state": "NY",
        "postcode": "12207",
        **changes,
    }


def test_a_guardian_without_a_date_of_birth_is_told_where_to_give_it(parent_client, child_prescription_in_basket):
    html = parent_client.get("/basket/").content.decode()
    assert "Please add your date of birth to your account." in html
    assert 'href="/accounts/about-me/?next=/basket/"' in html
    response = parent_client.get("/checkout/preview/")
    assert response.status_code == 302 and response["Location"] == "/basket/"


def test_after_about_you_the_guardian_can_check_out(parent_client, parent, child_prescription_in_basket):
    page = parent_client.get(ABOUT_ME + "?next=/basket/")
    assert page.status_code == 200 and b"18 or older" in page.content
    response = parent_client.post(ABOUT_ME, {**details(), "next": "/basket/"})
    assert response.status_code == 302 and response["Location"] == "/basket/"
    own = Patient.objects.get(account=parent, relationship=Patient.Relationship.SELF)
    assert own.date_of_birth == years_ago(41)
    assert "date of birth" not in parent_client.get("/basket/").content.decode()
    preview = checkout_to_preview(parent_client, address={"state": "NY"})
    assert preview.status_code == 200 and b"Place order" in preview.content


@pytest.mark.parametrize("days, refused", [(1, False), (0, False), (-1, True)])
def test_the_account_holder_must_be_18_on_the_day(parent_client, child_prescription_in_basket, days, refused):
    """Born 18 years ago yesterday or today: an adult. Tomorrow: still 17."""
    parent_client.post(ABOUT_ME, details(date_of_birth=years_ago(18, days=days).isoformat()))
    html = parent_client.get("/basket/").content.decode()
    assert ("You must be 18 or older to order." in html) is refused


def test_once_on_file_the_details_are_shown_not_changed(parent_client, parent):
    parent_client.post(ABOUT_ME, details())
    response = parent_client.post(ABOUT_ME, details(date_of_birth="1950-01-01", first_name="Someone"))
    assert response.status_code == 302
    own = Patient.objects.get(account=parent, relationship=Patient.Relationship.SELF)
    assert (own.first_name, own.date_of_birth) == ("Maria", years_ago(41))
    html = parent_client.get(ABOUT_ME).content.decode()
    assert "cannot be changed here" in html and '<form method="post"' not in html


def tomorrow() -> str:
    return (timezone.localdate() + datetime.timedelta(days=1)).isoformat()


@pytest.mark.parametrize(
    "changes, field",
    [
        # Worked out when the test runs, not when it is collected: a run that crosses midnight in the
        # shop's time zone would otherwise post today's date as "tomorrow".
        ({"date_of_birth": tomorrow}, "date_of_birth"),
        ({"date_of_birth": "1899-12-31"}, "date_of_birth"),
        ({"postcode": "ABCDE"}, "postcode"),
        ({"state": "ZZ"}, "state"),
        ({"first_name": ""}, "first_name"),
    ],
)
def test_bad_details_are_refused_with_a_message(parent_client, parent, changes, field):
    changes = {name: value() if callable(value) else value for name, value in changes.items()}
    response = parent_client.post(ABOUT_ME, details(**changes))
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Patient.objects.filter(account=parent).exists()


def test_an_offsite_next_is_ignored(parent_client):
    response = parent_client.post(ABOUT_ME, {**details(), "next": "https://evil.example/"})
    assert response["Location"] == ABOUT_ME


def test_about_you_needs_a_sign_in(client, demo_shop):
    response = client.get(ABOUT_ME)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
