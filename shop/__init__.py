"""shop: the website — settings, urls, the Celery app, oscar's forked apps (shop/apps/) and the
storefront's own pages and demo data (shop/storefront/). It composes the pharmacy domain
(prescriptions/) into a shop; nothing below it imports it."""

from .celery import app as celery_app

__all__ = ("celery_app",)
