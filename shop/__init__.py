"""rxshop: the Django project (settings, urls, Celery app, forked oscar apps, payments)."""
from .celery import app as celery_app

__all__ = ("celery_app",)
