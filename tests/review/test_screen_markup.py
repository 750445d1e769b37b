"""The review screen as markup: every id once, every button one meaning, a refused
decision says what is missing where the pharmacist is looking (issue 20.7)."""

from __future__ import annotations

from collections import Counter, defaultdict
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.urls import reverse

from prescriptions.models import PrescriptionStatus as S

pytestmark = pytest.mark.django_db


class Markup(HTMLParser):
    """The ids of a page, and each submit button's text with the form it posts to."""

    def __init__(self):
        super().__init__()
        self.ids: list[str] = []
        self.buttons: list[tuple[str, str]] = []  # (text, form action + name=value)
        self._action = ""
        self._button: list | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids.append(attrs["id"])
        if tag == "form":
            self._action = attrs.get("action", "")
        if tag == "button" and attrs.get("type", "submit") == "submit":
            target = self._action + (f"?{attrs['name']}={attrs.get('value', '')}" if attrs.get("name") else "")
            self._button = [target, ""]

    def handle_data(self, data):
        if self._button is not None:
            self._button[1] += data

    def handle_endtag(self, tag):
        if tag == "button" and self._button is not None:
            self.buttons.append((" ".join(self._button[1].split()), self._button[0]))
            self._button = None


def parse(response) -> Markup:
    markup = Markup()
    markup.feed(response.content.decode())
    return markup


def url(prescription, name):
    return reverse(f"dashboard:{name}", kwargs={"public_id": prescription.public_id})


def assert_clean(markup: Markup) -> None:
    duplicated = [i for i, n in Counter(markup.ids).items() if n > 1]
    assert not duplicated, f"duplicate ids: {duplicated}"
    meanings = defaultdict(set)
    for text, target in markup.buttons:
        meanings[text].add(target)
    assert {text: targets for text, targets in meanings.items() if len(targets) > 1} == {}


def test_the_review_screen_has_each_id_once_and_each_button_one_meaning(claimed, pharmacist_client):
    markup = parse(pharmacist_client.get(url(claimed, "pharmacy-review")))
    assert "id_reject_note" in markup.ids and "id_ask_note" in markup.ids
    assert {"Verify prescription", "Send the question", "Reject prescription"} <= {t for t, _ in markup.buttons}
    assert_clean(markup)


def test_the_screen_re_shown_after_a_refused_decision_is_clean_too(claimed, pharmacist_client):
    assert_clean(parse(pharmacist_client.post(url(claimed, "pharmacy-reject"), {})))
    assert_clean(parse(pharmacist_client.post(url(claimed, "pharmacy-request-information"), {})))


def test_rejecting_with_no_reason_shows_the_error_beside_the_form(claimed, pharmacist_client):
    response = pharmacist_client.post(url(claimed, "pharmacy-reject"), {"message_to_customer": "Please call us."})
    assert response.status_code == 400
    html = response.content.decode()
    assert '<div class="alert alert-danger" role="alert" id="reject-errors">Not rejected: ' in html
    assert '<a class="rx-text-link" href="#id_reject_reason_code">Reason</a>: This field is required.' in html
    assert 'aria-invalid="true"' in html and 'id="id_reject_reason_code_errors"' in html
    assert "Please call us." in html  # what was typed is kept
    claimed.refresh_from_db()
    assert claimed.status == S.IN_REVIEW


def test_the_decision_forms_leave_validation_to_the_server(claimed, pharmacist_client):
    """The dashboard's select2 hides the reason <select>: a browser "required" check on it
    stopped the form without a word. The forms post, and the server says what is missing."""
    html = pharmacist_client.get(url(claimed, "pharmacy-review")).content.decode()
    reject_form = html[html.index(url(claimed, "pharmacy-reject")) :]
    assert reject_form.split(">", 1)[0].endswith("novalidate")
    assert 'class="form-control no-widget-init"' in reject_form.split("</select>")[0]


def test_a_photo_of_a_prescription_can_be_zoomed_and_rotated(alice, pharmacist_client):
    """The viewer's buttons (issue 20.9) work through rxshop.js: no inline script (CSP)."""
    from tests.prescriptions import files
    from tests.prescriptions.conftest import submit

    photo = submit(alice, data=files.png(size=(600, 800), color="white"))
    markup = parse(pharmacist_client.get(url(photo, "pharmacy-review")))
    assert "rx-doc-1" in markup.ids
    html = pharmacist_client.get(url(photo, "pharmacy-review")).content.decode()
    for action, text in (("zoom-in", "Zoom in"), ("zoom-out", "Zoom out"), ("rotate", "Rotate"), ("reset", "Reset")):
        assert f'data-rx-action="{action}" data-rx-target="rx-doc-1">{text}</button>' in html
    assert "onclick" not in html
    script = (Path(__file__).resolve().parents[2] / "shop/static/shop/rxshop.js").read_text()
    assert 'action === "rotate"' in script and "image.style.transform" in script
