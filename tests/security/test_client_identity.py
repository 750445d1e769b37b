"""Who is asking: sign-in failures count against the account however its e-mail is
typed (infra/signin.py), and every limit and log sees the real client behind our
proxies, not the proxy, and not what the client wrote in X-Forwarded-For
(infra/clientip.py)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client, RequestFactory

from infra import ratelimit
from infra.clientip import client_ip

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-123"
ALICE_PASSWORD = "alice-demo-2026"


def _sign_in(client, username, password=WRONG, **extra):
    return client.post(
        "/accounts/login/",
        {
            "login-username": username,
            "login-password": password,
            "login_submit": "Log in",
        },
        **extra,
    )


def _request(remote="10.0.0.2", forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/", **meta)
    request.user = AnonymousUser()
    return request


# --- One account, however it is typed -------------------------------------------------------


def test_five_failures_spread_over_spellings_of_one_e_mail_lock_the_account(client, demo_shop):
    spellings = [
        "Alice@Example.com",
        " alice@example.com ",
        "ALICE@EXAMPLE.COM",
        "alice@example.com ",
        "aLiCe@example.COM",
    ]
    for spelling in spellings[:4]:
        assert _sign_in(client, spelling).status_code == 200
    assert _sign_in(client, spellings[4]).status_code == 429
    # Locked for every spelling, the right password included.
    assert _sign_in(client, "alice@example.com", ALICE_PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_unknown_e_mails_are_also_counted_case_blind(client, demo_shop):
    for spelling in [
        "Nobody@Example.com",
        " nobody@example.com",
        "NOBODY@EXAMPLE.COM",
        "nobody@example.com",
        "NoBody@example.com",
    ][:4]:
        assert _sign_in(client, spelling).status_code == 200
    assert _sign_in(client, "nobody@EXAMPLE.com").status_code == 429


# --- The client's address -----------------------------------------------------------------------


def test_without_trusted_proxies_x_forwarded_for_is_ignored(settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 0
    assert client_ip(_request("203.0.113.5", "198.51.100.9")) == "203.0.113.5"


def test_behind_one_proxy_the_client_is_the_entry_the_proxy_added(settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    assert client_ip(_request("10.0.0.2", "198.51.100.9")) == "198.51.100.9"
    # The client wrote its own entry first; the proxy appended the real address.
    assert client_ip(_request("10.0.0.2", "192.0.2.1, 198.51.100.9")) == "198.51.100.9"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"  # no header: the peer itself


def test_behind_two_proxies_the_inner_proxy_entry_is_skipped(settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 2
    assert client_ip(_request("10.0.0.3", "192.0.2.1, 198.51.100.9, 10.0.0.2")) == "198.51.100.9"


def test_the_old_setting_name_is_still_read_from_the_environment(monkeypatch):
    import environ

    monkeypatch.delenv("RXSHOP_TRUSTED_PROXY_COUNT", raising=False)
    monkeypatch.setenv("PRESCRIPTION_TRUSTED_PROXY_COUNT", "2")
    env = environ.Env()
    # The same expression as shop/settings.py.
    value = env.int("RXSHOP_TRUSTED_PROXY_COUNT", default=env.int("PRESCRIPTION_TRUSTED_PROXY_COUNT", default=0))
    assert value == 2
    import pathlib

    text = pathlib.Path("shop/settings.py").read_text()
    assert 'env.int("PRESCRIPTION_TRUSTED_PROXY_COUNT", default=0)' in text


def test_rate_limits_count_the_client_behind_the_proxy(settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    assert ratelimit.who(_request("10.0.0.2", "198.51.100.1")) == "ip:198.51.100.1"
    assert ratelimit.who(_request("10.0.0.2", "6.6.6.6, 198.51.100.1")) == "ip:198.51.100.1"
    assert ratelimit.who(_request("10.0.0.2", "198.51.100.2")) == "ip:198.51.100.2"
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 0
    assert ratelimit.who(_request("10.0.0.2", "198.51.100.2")) == "ip:10.0.0.2"


def test_anonymous_uploads_are_limited_per_client_behind_the_proxy(client, demo_shop, settings):
    from tests.factories import product

    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    settings.RXSHOP_UPLOAD_RATE_LIMIT = "1/h"
    url = f"/prescriptions/upload/product/{product('RX-ISO-20').pk}/"
    first = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.1"}
    assert client.post(url, **first).status_code == 302  # counted, then sent to sign in
    assert client.post(url, **first).status_code == 429
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.77, 198.51.100.1"}
    assert client.post(url, **spoofed).status_code == 429
    other = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert client.post(url, **other).status_code == 302


# --- Sign-in throttling behind the proxy --------------------------------------------------------


def _fail_until_locked(client, **meta):
    for _ in range(4):
        assert _sign_in(client, "alice@example.com", **meta).status_code == 200
    assert _sign_in(client, "alice@example.com", **meta).status_code == 429


def test_behind_the_proxy_two_clients_are_locked_separately(demo_shop, settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    attacker = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.66"}
    _fail_until_locked(Client(), **attacker)
    alice = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "198.51.100.10"}
    assert _sign_in(Client(), "alice@example.com", ALICE_PASSWORD, **alice).status_code == 302


def test_a_spoofed_forwarded_entry_does_not_unlock(demo_shop, settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 1
    _fail_until_locked(Client(), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="198.51.100.66")
    spoofed = {"REMOTE_ADDR": "10.0.0.2", "HTTP_X_FORWARDED_FOR": "192.0.2.200, 198.51.100.66"}
    assert _sign_in(Client(), "alice@example.com", ALICE_PASSWORD, **spoofed).status_code == 429


def test_without_trusted_proxies_a_forwarded_header_does_not_unlock(demo_shop, settings):
    settings.RXSHOP_TRUSTED_PROXY_COUNT = 0
    _fail_until_locked(Client(), REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="198.51.100.1")
    fresh = {"REMOTE_ADDR": "203.0.113.5", "HTTP_X_FORWARDED_FOR": "198.51.100.2"}
    assert _sign_in(Client(), "alice@example.com", ALICE_PASSWORD, **fresh).status_code == 429
