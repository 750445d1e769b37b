"""Registration and password reset never tell whether an address has an account:
the same page and status either way, the same work in the request (one password
hash, one queued e-mail), and the owner hears of it by e-mail
(shop/storefront/registration.py)."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from infra.models import OutboxMessage

pytestmark = pytest.mark.django_db

PASSWORD = "maple-Harbour-2026"
# What differs between any two requests: the CSRF token, the Content-Security-Policy nonce.
PER_REQUEST = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]*"|nonce="[^"]*"')


def _page(response) -> bytes:
    return PER_REQUEST.sub(b"", response.content)


def _register_on_sign_in_page(email):
    return Client().post(
        "/accounts/login/",
        {
            "registration-email": email,
            "registration-password1": PASSWORD,
            "registration-password2": PASSWORD,
            "registration-redirect_url": "",
            "registration_submit": "Register",
        },
    )


def _register_on_registration_page(email):
    return Client().post(
        "/accounts/register/", {"email": email, "password1": PASSWORD, "password2": PASSWORD, "redirect_url": ""}
    )


@pytest.mark.parametrize("register", [_register_on_sign_in_page, _register_on_registration_page])
def test_registration_answers_the_same_page_for_a_taken_address(
    register, demo_shop, mailoutbox, django_capture_on_commit_callbacks
):
    User = get_user_model()
    accounts = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        taken, free = register("alice@example.com"), register("ghost@example.com")
    assert taken.status_code == free.status_code == 200
    assert _page(taken).replace(b"alice", b"ghost") == _page(free)
    assert "already exists" not in taken.content.decode()
    assert User.objects.count() == accounts + 1  # ghost's, inactive; alice has still one account
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    (to_alice,) = [m for m in mailoutbox if m.to == ["alice@example.com"]]
    assert "tried to register" in to_alice.body and "/password-reset/" in to_alice.body
    (to_ghost,) = [m for m in mailoutbox if m.to == ["ghost@example.com"]]
    assert "/pharmacy/accounts/activate/" in to_ghost.body


def test_a_taken_address_in_other_case_is_still_one_account(demo_shop, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _register_on_registration_page("ALICE@example.com")
    assert get_user_model().objects.filter(email__iexact="alice@example.com").count() == 1
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]


def test_registration_does_the_same_work_either_way(demo_shop, monkeypatch, django_capture_on_commit_callbacks):
    """One password hash and one queued e-mail, sent by a worker, for both addresses."""
    from django.contrib.auth import hashers

    from shop.storefront import registration

    hashed = []
    real = hashers.make_password
    monkeypatch.setattr(registration, "make_password", lambda *a, **k: hashed.append(1) or real(*a, **k))
    for email in ("alice@example.com", "ghost@example.com"):
        before, hashed[:] = OutboxMessage.objects.count(), []
        with django_capture_on_commit_callbacks(execute=False):
            _register_on_registration_page(email)
        assert len(hashed) == 1, email
        assert OutboxMessage.objects.count() == before + 1, email


def test_password_reset_answers_the_same_for_any_address_and_mails_from_the_worker(
    demo_shop, mailoutbox, django_capture_on_commit_callbacks
):
    answers = {}
    for email in ("alice@example.com", "ghost@example.com"):
        before = OutboxMessage.objects.count()
        with django_capture_on_commit_callbacks(execute=False):
            answers[email] = Client().post("/password-reset/", {"email": email})
        assert OutboxMessage.objects.count() == before + 1, email  # queued, not sent
        assert not mailoutbox, email  # nothing was sent inside the request
    taken, free = answers["alice@example.com"], answers["ghost@example.com"]
    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]


def test_the_queued_password_reset_reaches_the_owner_only(demo_shop, mailoutbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        Client().post("/password-reset/", {"email": "alice@example.com"})
        Client().post("/password-reset/", {"email": "ghost@example.com"})
    assert [m.to for m in mailoutbox] == [["alice@example.com"]]
    assert "/password-reset/confirm/" in mailoutbox[0].body


def test_registration_e_mails_are_sent_once_when_the_task_runs_twice(demo_shop, mailoutbox):
    from shop.storefront import tasks

    alice = get_user_model().objects.get(email="alice@example.com")
    assert tasks.send_registration_attempt_email(alice.pk, "n1") is True
    assert tasks.send_registration_attempt_email(alice.pk, "n1") is False
    assert tasks.send_password_reset_email("alice@example.com", "n2") == 1
    assert tasks.send_password_reset_email("alice@example.com", "n2") == 0
    assert len(mailoutbox) == 2
