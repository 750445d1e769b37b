"""The decision first (issue 20.10): a transcribed prescription is shown read-only with its
edit form folded away, the findings then Verify / Ask / Reject at the top, each warning's
reason box beside that warning and named by its words, the focus where the work starts,
and "Verify and open next"."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from prescriptions.models import PrescriptionStatus as S
from prescriptions.review import services
from prescriptions.review.models import ReviewClaim
from tests.factories import PrescriptionFactory, product

from .conftest import good_transcription, transcribe

pytestmark = pytest.mark.django_db
QUEUE = "/dashboard/pharmacy/"


def url(prescription, name):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def tags_with(html: str, attribute: str) -> list[str]:
    return [tag for tag in re.findall(r"<[a-z]+\b[^>]*>", html) if re.search(rf"\s{attribute}(\s|>|=)", tag)]


def test_the_decision_comes_before_the_transcription_which_is_read_only(claimed, pharmacist_client):
    html = pharmacist_client.get(url(claimed, "pharmacy-review")).content.decode()
    assert html.index('id="checks"') < html.index('id="decide"') < html.index('id="transcription"')
    transcription = html[html.index('id="transcription"') :]
    assert '<dt class="col-sm-4">Prescriber</dt>' in transcription  # read-only first
    folded = transcription[transcription.index("<details") : transcription.index("</details>")]
    assert "<summary>Edit the transcription</summary>" in folded and "Save and check" in folded
    assert not re.search(r"<details[^>]*\bopen\b", transcription.split("</details>")[0])


def test_a_clean_prescription_has_the_focus_on_verify(claimed, pharmacist_client):
    html = pharmacist_client.get(url(claimed, "pharmacy-review")).content.decode()
    (focused,) = tags_with(html, "autofocus")
    assert 'accesskey="v"' in focused and "Verify prescription" in html.split(focused, 1)[1].split("</button>")[0]
    assert 'name="then" value="next"' in html and "Verify and open next" in html


def test_each_warning_has_its_reason_box_beside_it_named_by_its_words(
    prescription, technician, pharmacist, pharmacist_client
):
    transcribe(prescription, technician, good_transcription(quantity=25, days_supply=25))  # blister-pack WARN
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    html = pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode()
    checks = html[html.index('id="checks"') : html.index('id="decide"')]
    warning = checks[
        checks.index("<strong>WARN</strong>") : checks.index("</li>", checks.index("<strong>WARN</strong>"))
    ]
    box = re.search(r"<textarea[^>]*>", warning).group()
    assert 'name="override__ipledge.blister-pack"' in box and 'form="verify-form"' in box
    labelled_by = re.search(r'aria-labelledby="([^"]+)"', box).group(1).split()
    finding = re.search(rf'id="{labelled_by[1]}">([^<]+)<', warning).group(1)
    assert "blister" in finding.lower()  # the warning's own words name the box
    assert "autofocus" in box  # the first warning is where the decision starts
    assert "override__" not in html[html.index('id="decide"') :]  # not 500 px away any more


def test_the_first_blocking_finding_takes_the_focus(prescription, technician, pharmacist, pharmacist_client):
    transcribe(prescription, technician, good_transcription(prescriber_npi="1234567890"))  # bad check digit
    services.claim_for_review(prescription=prescription, reviewer=pharmacist)
    (focused,) = tags_with(pharmacist_client.get(url(prescription, "pharmacy-review")).content.decode(), "autofocus")
    assert focused.startswith('<li class="alert alert-danger') and 'tabindex="-1"' in focused


def test_verify_and_open_next_claims_the_next_transcribed_prescription(
    claimed, alice, bob, technician, pharmacist, pharmacist_client
):
    untranscribed = PrescriptionFactory(customer=bob, product=product("RX-ISO-20"))
    ready = PrescriptionFactory(customer=bob, product=product("RX-ISO-20"))
    transcribe(ready, technician)
    response = pharmacist_client.post(url(claimed, "pharmacy-verify"), {"version": 1, "then": "next"})
    assert response.status_code == 302 and response["Location"] == url(ready, "pharmacy-review")
    claimed.refresh_from_db()
    assert claimed.status == S.VERIFIED
    assert ReviewClaim.objects.filter(prescription=ready, reviewer=pharmacist, released_at__isnull=True).exists()
    assert not ReviewClaim.objects.filter(prescription=untranscribed).exists()


def test_verify_and_open_next_with_nothing_left_goes_to_the_queue(claimed, pharmacist_client):
    response = pharmacist_client.post(url(claimed, "pharmacy-verify"), {"version": 1, "then": "next"})
    assert response["Location"] == QUEUE


def test_the_queue_has_the_focus_on_the_first_prescription_to_open(transcribed, pharmacist_client):
    (focused,) = tags_with(pharmacist_client.get(QUEUE).content.decode(), "autofocus")
    assert focused.startswith("<button") and focused in pharmacist_client.get(QUEUE).content.decode()


def test_the_queue_focuses_a_pharmacist_on_the_first_transcribed_one(alice, bob, technician, pharmacist_client):
    from tests.review.test_queue import backdate

    oldest = PrescriptionFactory(customer=bob, product=product("RX-ISO-20"))
    backdate(oldest, hours=5)
    ready = PrescriptionFactory(customer=alice, product=product("RX-ISO-20"))
    transcribe(ready, technician)
    html = pharmacist_client.get(QUEUE).content.decode()
    (focused,) = tags_with(html, "autofocus")
    row = next(r for r in html.split("<tr>") if focused in r)
    assert ready.reference in row and oldest.reference not in row


def test_claim_verify_ask_and_reject_each_have_an_access_key(transcribed, pharmacist, pharmacist_client):
    html = pharmacist_client.get(url(transcribed, "pharmacy-review")).content.decode()
    (claim,) = tags_with(html, "accesskey")
    assert 'accesskey="o"' in claim and "autofocus" in claim  # "Open for review", focused
    services.claim_for_review(prescription=transcribed, reviewer=pharmacist)
    html = pharmacist_client.get(url(transcribed, "pharmacy-review")).content.decode()
    keys = {re.search(r'accesskey="(\w)"', tag).group(1) for tag in tags_with(html, "accesskey")}
    assert keys == {"v", "n", "a", "r"}
