"""The order e-mail travels through a real broker to a real worker (CI: Redis)."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from oscar.core.loading import get_model

from shop.celery import app as celery_app
from tests.factories import add_to_basket, checkout_to_preview, place_order

Order = get_model("order", "Order")
SentNotification = get_model("pharmacy", "SentNotification")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_order_email_is_sent_by_a_real_worker_over_the_broker(alice_client, localstripe, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert celery_app.conf.task_always_eager is False
    celery_app.control.purge()  # nothing left over from an earlier run
    with start_worker(celery_app, perform_ping_check=False, pool="solo", concurrency=1, shutdown_timeout=30):
        add_to_basket(alice_client, "OTC-LIPBALM")
        checkout_to_preview(alice_client)
        response = place_order(alice_client)  # on_commit fires: a real transaction here
        assert response["Location"] == "/checkout/thank-you/"
        order = Order.objects.get()
        deadline = time.monotonic() + 30
        while (
            time.monotonic() < deadline and not SentNotification.objects.filter(key=f"order-placed:{order.pk}").exists()
        ):
            time.sleep(0.2)
    assert SentNotification.objects.filter(key=f"order-placed:{order.pk}").exists()
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["alice@example.com"]
