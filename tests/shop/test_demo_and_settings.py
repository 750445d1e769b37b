"""`make demo`'s loader and the production settings guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.apps import apps

from shop.storefront.demo import DEMO_ACCOUNTS, load_demo

ROOT = Path(__file__).resolve().parents[2]
GOOD_SECRET = "x9!Kq2#vL7@pR4$mZ8^tB1&nW6*cF3(hJ5)dS0_gY-uA+eQ=iO~lX|rT?wE<yU>"
# What production needs besides SECRET_KEY and ALLOWED_HOSTS (shop/settings.py, the end).
PRODUCTION_ENV = {
    "STRIPE_SECRET_KEY": "sk_test_51Realistic0000",
    "STRIPE_PUBLISHABLE_KEY": "pk_test_51Realistic0000",
    "STRIPE_WEBHOOK_SECRET": "whsec_0123456789abcdef",
    "RXSHOP_SITE_URL": "https://shop.example",
    "CLAMD_HOST": "127.0.0.1",
}


def _snapshot():
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models() if m._meta.managed}
    User = apps.get_model("auth", "User")
    passwords = dict(User.objects.values_list("email", "password"))
    return counts, passwords


@pytest.mark.django_db
def test_demo_loader_is_idempotent():
    load_demo()
    first = _snapshot()
    load_demo()
    assert _snapshot() == first
    counts, passwords = first
    assert counts["catalogue.Product"] == 10
    assert set(passwords) >= {a.email for a in DEMO_ACCOUNTS}


@pytest.mark.django_db
def test_demo_accounts_log_in_with_the_documented_passwords(client):
    load_demo()
    for account in DEMO_ACCOUNTS:
        client.post(
            "/accounts/login/",
            {"login-username": account.email, "login-password": account.password, "login_submit": "1"},
        )
        assert "_auth_user_id" in client.session, account.email
        client.logout()


def _run_django(env_overrides, *args):
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}}
    env.update(
        {"DJANGO_ENV": "production", "DJANGO_SETTINGS_MODULE": "shop.settings", **PRODUCTION_ENV, **env_overrides}
    )
    for name in [k for k, v in env.items() if v is None]:
        del env[name]
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_production_refuses_to_start_without_a_secret_key():
    result = _run_django({"ALLOWED_HOSTS": "shop.example"}, "check")
    assert result.returncode != 0
    assert "Production needs a real SECRET_KEY" in result.stderr


def test_production_refuses_the_demo_secret_and_missing_allowed_hosts():
    result = _run_django({"SECRET_KEY": GOOD_SECRET}, "check")
    assert result.returncode != 0 and "ALLOWED_HOSTS" in result.stderr
    result = _run_django({"SECRET_KEY": "short", "ALLOWED_HOSTS": "shop.example"}, "check")
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_check_deploy_reports_nothing():
    result = _run_django(
        {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example"}, "check", "--deploy", "--fail-level", "WARNING"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_s3_prescription_storage_is_private_and_gives_no_url():
    probe = (
        "from django.core.files.storage import storages; s = storages['private']; "
        "print(type(s).__name__, s.default_acl, s.querystring_expire)\n"
        "try:\n    s.url('x')\nexcept Exception as e:\n    print(type(e).__name__)"
    )
    result = _run_django(
        {
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "shop.example",
            "RXSHOP_PRIVATE_STORAGE": "s3",
            "RXSHOP_PRIVATE_BUCKET": "rx-private",
            "AWS_ACCESS_KEY_ID": "k",
            "AWS_SECRET_ACCESS_KEY": "s",
        },
        "shell",
        "--no-imports",
        "-c",
        probe,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["PrivateS3Storage", "private", "60", "PrivateFileHasNoURL"]


def test_production_keeps_the_strong_password_hasher():
    """Only the tests use a fast hasher (tests/conftest.py); the settings module keeps Django's default."""
    probe = "from django.conf import settings; print(settings.PASSWORD_HASHERS[0])"
    result = _run_django(
        {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example"}, "shell", "--no-imports", "-c", probe
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.contrib.auth.hashers.PBKDF2PasswordHasher"


def test_production_keeps_database_connections_and_checks_them_before_reuse():
    probe = "from django.conf import settings as s; d = s.DATABASES['default']; print(d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    result = _run_django(
        {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example"}, "shell", "--no-imports", "-c", probe
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["60", "True"]


def test_the_tests_hash_passwords_fast():
    from django.conf import settings

    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.mark.parametrize("missing", ["STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "RXSHOP_SITE_URL", "CLAMD_HOST"])
def test_production_refuses_to_start_without_each_required_setting(missing):
    result = _run_django({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example", missing: None}, "check")
    assert result.returncode != 0
    named = "CLAMD_SOCKET or CLAMD_HOST" if missing == "CLAMD_HOST" else missing
    assert "Production needs these settings" in result.stderr and named in result.stderr


def test_production_refuses_the_local_stripe_key():
    result = _run_django(
        {"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example", "STRIPE_SECRET_KEY": "sk_test_localstripe"},
        "check",
    )
    assert result.returncode != 0 and "STRIPE_SECRET_KEY" in result.stderr


def test_check_deploy_warns_when_virus_scanning_is_off_on_purpose():
    result = _run_django(
        {
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "shop.example",
            "CLAMD_HOST": None,
            "RXSHOP_VIRUS_SCANNING": "off",
        },
        "check",
        "--deploy",
    )
    assert result.returncode == 0, result.stderr
    assert "rxshop.W001" in result.stderr + result.stdout


def test_production_settings_email_timeout_proxy_header_and_filemail_path():
    probe = (
        "from django.conf import settings as s; "
        "print(s.EMAIL_TIMEOUT, s.EMAIL_FILE_PATH, s.SECURE_PROXY_SSL_HEADER[0], s.CELERY_BEAT_SCHEDULE_FILENAME)"
    )
    result = _run_django(
        {
            "SECRET_KEY": GOOD_SECRET,
            "ALLOWED_HOSTS": "shop.example",
            "EMAIL_URL": "filemail:///srv/rx/mail",
            "RXSHOP_PROXY_SSL_HEADER": "X-Forwarded-Scheme",
            "RXSHOP_VAR_DIR": "/srv/rx",
        },
        "shell",
        "--no-imports",
        "-c",
        probe,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["10", "/srv/rx/mail", "HTTP_X_FORWARDED_SCHEME", "/srv/rx/celerybeat-schedule"]


def test_demo_totp_refuses_in_production(settings):
    from django.core.management import CommandError, call_command

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="refuses to run in production"):
        call_command("demo_totp")


def test_demo_totp_prints_codes_outside_production(settings, capsys):
    from django.core.management import call_command

    settings.PRODUCTION = False
    call_command("demo_totp")
    assert "valid for" in capsys.readouterr().out


def test_load_demo_refuses_in_production():
    result = _run_django({"SECRET_KEY": GOOD_SECRET, "ALLOWED_HOSTS": "shop.example"}, "load_demo")
    assert result.returncode != 0 and "refuses to run in production" in result.stderr
