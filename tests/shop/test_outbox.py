"""The transactional outbox: a task exists exactly when its cause is committed,
and nothing is lost while the broker is unreachable."""

from __future__ import annotations

import pytest
from django.db import transaction

from infra import outbox, tasks
from infra.models import OutboxMessage, SentNotification
from shop.celery import app as celery_app

pytestmark = pytest.mark.django_db

CLOSED_PORT_BROKER = "redis://127.0.0.1:1/0"  # nothing listens on port 1


def _reconnect():
    """Forget pooled broker connections so the next publish uses conf.broker_url."""
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def unreachable_broker():
    """Point Celery at a closed port (never stop the machine's shared Redis)."""
    conf = celery_app.conf
    saved = (
        conf.task_always_eager,
        conf.broker_url,
        conf.broker_write_url,
        conf.broker_connection_max_retries,
        conf.task_publish_retry_policy,
    )
    conf.task_always_eager = False
    conf.broker_url = conf.broker_write_url = CLOSED_PORT_BROKER
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0, "interval_step": 0.1}
    _reconnect()
    yield
    (
        conf.task_always_eager,
        conf.broker_url,
        conf.broker_write_url,
        conf.broker_connection_max_retries,
        conf.task_publish_retry_policy,
    ) = saved
    _reconnect()


def test_a_rolled_back_change_leaves_no_task(db):
    with pytest.raises(RuntimeError), transaction.atomic():
        outbox.enqueue(tasks.relay_outbox.name)
        raise RuntimeError("the order could not be placed")
    assert not OutboxMessage.objects.exists()


def test_message_is_sent_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(tasks.relay_outbox.name)
        assert OutboxMessage.objects.get(pk=message.pk).sent_at is None  # not before the commit
    assert OutboxMessage.objects.get(pk=message.pk).sent_at is not None


def test_broker_down_keeps_the_message_and_relay_sends_it_when_back(
    unreachable_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(tasks.relay_outbox.name)
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
    assert "Error" in message.last_error or "refused" in message.last_error.lower()
    assert outbox.relay_pending() == 0  # still down: nothing lost, nothing sent
    # The broker is back (eager stands in for a reachable broker here; the
    # order test below uses the real Redis in CI).
    celery_app.conf.task_always_eager = True
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = "memory://"
    _reconnect()
    assert outbox.relay_pending() == 1
    message.refresh_from_db()
    assert message.sent_at is not None


def test_order_placed_while_the_broker_is_down_gets_its_email_when_it_is_back(
    alice_client, localstripe, unreachable_broker, django_capture_on_commit_callbacks, mailoutbox
):
    from oscar.core.loading import get_model

    from tests.factories import add_to_basket, checkout_to_preview, place_order

    add_to_basket(alice_client, "OTC-LIPBALM")
    checkout_to_preview(alice_client)
    with django_capture_on_commit_callbacks(execute=True):
        response = place_order(alice_client)
    assert response.status_code == 302 and response["Location"] == "/checkout/thank-you/"
    order = get_model("order", "Order").objects.get()
    pending = OutboxMessage.objects.get(task_name="shop.pharmacy.tasks.send_order_placed_email")
    assert pending.sent_at is None and pending.args == [order.pk]
    assert len(mailoutbox) == 0
    celery_app.conf.task_always_eager = True  # the broker is back
    celery_app.conf.broker_url = celery_app.conf.broker_write_url = "memory://"
    _reconnect()
    outbox.relay_pending()
    assert len(mailoutbox) == 1
    assert SentNotification.objects.filter(key=f"order-placed:{order.pk}").exists()


def test_enqueue_takes_a_task_name_not_a_task(db):
    """Services queue work by name, so they never import their tasks module (no cycle)."""
    with pytest.raises(TypeError):
        outbox.enqueue(tasks.relay_outbox)


def test_relay_finds_a_task_this_process_has_not_imported(db, django_capture_on_commit_callbacks, monkeypatch):
    """A web worker queues by name a task whose module it never imported: the relay loads the
    apps' task modules before sending, instead of keeping the message pending forever."""
    name = "prescriptions.tasks.expire_prescriptions"
    registered = celery_app.tasks[name]
    monkeypatch.delitem(celery_app.tasks, name)
    loaded = []

    def import_default_modules():
        loaded.append(True)
        celery_app.tasks[name] = registered

    monkeypatch.setattr(celery_app.loader, "import_default_modules", import_default_modules)
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(name)
    message.refresh_from_db()
    assert loaded and message.sent_at is not None and message.last_error == ""
