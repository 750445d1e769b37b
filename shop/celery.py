"""The Celery application.

Configuration comes from Django settings with the ``CELERY_`` prefix. Without
``CELERY_BROKER_URL`` the demo runs tasks eagerly in-process; with it (Redis or
RabbitMQ) tasks go to real workers: ``celery -A shop worker``.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shop.settings")

app = Celery("rxshop")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
