"""/healthz and /readyz: the probes a load balancer and an orchestrator use."""

from __future__ import annotations

import json

import pytest
from django.db.utils import OperationalError

from shop import health


def test_healthz_answers_without_the_database(client):
    # No django_db mark: any query here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_200_when_every_check_passes(client, monkeypatch):
    for name in ("broker", "private_storage", "stripe"):
        monkeypatch.setitem(health.CHECKS, name, lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": dict.fromkeys(["database", "broker", "private_storage", "stripe"], "ok"),
    }


@pytest.mark.django_db
def test_readyz_is_503_when_the_database_is_down_and_names_no_secret(client, monkeypatch, settings):
    for name in ("broker", "private_storage", "stripe"):
        monkeypatch.setitem(health.CHECKS, name, lambda: None)

    def database_down():
        raise OperationalError("could not connect to server at db.internal:5432 password=hunter2")

    monkeypatch.setattr(health, "_database", database_down)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable" and body["checks"]["database"] == "failed"
    text = json.dumps(body)
    assert "db.internal" not in text and "hunter2" not in text and settings.STRIPE_SECRET_KEY not in text


@pytest.mark.django_db
def test_readyz_reports_a_stripe_that_does_not_answer(client, monkeypatch, settings):
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"  # nothing listens on the discard port
    monkeypatch.setitem(health.CHECKS, "broker", lambda: None)
    response = client.get("/readyz")
    assert response.status_code == 503 and response.json()["checks"]["stripe"] == "failed"


@pytest.mark.django_db
def test_probes_pass_the_staff_second_factor_and_are_never_cached(client, django_user_model):
    staff = django_user_model.objects.create_user("s@example.com", "s@example.com", "pw-123456789", is_staff=True)
    client.force_login(staff)
    response = client.get("/healthz")
    assert response.status_code == 200  # not sent to the second-factor page
    assert "no-store" in response["Cache-Control"]
