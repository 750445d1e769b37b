"""A real task through a real worker over RabbitMQ, the other broker production may use
(``CELERY_BROKER_URL=amqp://…``); ``test_celery_broker.py`` does the same over Redis."""

from __future__ import annotations

import os
import time
import uuid

import pytest
from celery import Celery
from celery.contrib.testing.worker import start_worker
from django.core.files.base import ContentFile

import prescriptions.tasks  # noqa: F401  -- registers the shared tasks with every app
from prescriptions.models import private_storage
from tests.conftest import RABBITMQ_URL


@pytest.fixture
def rabbitmq_app():
    """rxshop's Celery configuration with RabbitMQ as the broker, on a queue of its own
    (other workers on the same RabbitMQ never take our task)."""
    app = Celery("rxshop-rabbitmq-test")
    app.config_from_object("django.conf:settings", namespace="CELERY")
    queue = f"rxshop-test-{uuid.uuid4().hex}"
    app.conf.update(
        # Celery reads CELERY_BROKER_URL from the environment before its configuration (CI sets it
        # to Redis for the other tests); the read and write URLs are taken before both.
        broker_url=RABBITMQ_URL,
        broker_read_url=RABBITMQ_URL,
        broker_write_url=RABBITMQ_URL,
        task_always_eager=False,
        task_default_queue=queue,
        result_backend=None,
        broker_connection_retry_on_startup=False,
    )
    yield app
    with app.connection_for_write() as connection:
        connection.default_channel.queue_delete(queue)


@pytest.mark.rabbitmq
@pytest.mark.django_db(transaction=True)
def test_a_task_runs_on_a_real_worker_over_rabbitmq(rabbitmq_app):
    """The daily clean-up of stored files that no record names, sent to RabbitMQ and run by
    a worker consuming from it: the orphan file is gone afterwards."""
    storage = private_storage()
    name = storage.save("prescriptions/orphan.pdf", ContentFile(b"%PDF-1.7 orphan"))
    ten_days_ago = time.time() - 10 * 24 * 3600
    os.utime(storage.path(name), (ten_days_ago, ten_days_ago))

    assert rabbitmq_app.connection_for_write().as_uri().startswith("amqp://")
    with start_worker(rabbitmq_app, perform_ping_check=False, pool="solo", concurrency=1, shutdown_timeout=30):
        rabbitmq_app.send_task("prescriptions.tasks.delete_orphan_files")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and storage.exists(name):
            time.sleep(0.2)
    assert not storage.exists(name)
