"""shop.settings for the browser journeys' stack, with two differences: the
Celery keys in Redis carry a prefix of this test run's own, and uploaded media
(product pictures and their thumbnails) are served from a separate host, as a
production deployment serves them from its proxy or a bucket (gunicorn does not).

The machine (or CI runner) may run several suites at once against one Redis;
without a prefix each run's worker would take the others' tasks and run them
against the wrong database (and ``celery purge`` at start-up would empty the
others' queue). Nothing else changes: the stack is the production configuration.
"""

import os

from shop.settings import *  # noqa: F401,F403
from shop.settings import CELERY_BROKER_URL, MEDIA_URL

MEDIA_URL = os.environ.get("RXSHOP_E2E_MEDIA_URL", MEDIA_URL)

_PREFIX = os.environ.get("RXSHOP_E2E_REDIS_PREFIX", "")
if _PREFIX and CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        **globals().get("CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "global_keyprefix": _PREFIX,
    }
