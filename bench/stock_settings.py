"""Stock django-oscar 4.2 on rxshop's database, for the side-by-side storefront
benchmark (bench/pages.py): rxshop's settings with its forked oscar apps
swapped back for oscar's own, its pharmacy apps, templates, context processor
and staff/second-factor/login-throttling/Content-Security-Policy middleware removed.
Kept: rxshop's infrastructure app (its tables are in the schema; it sets the
language on sign-in) and oscar's analytics counters made safe under concurrency
(bench/stock_apps.py), without which stock oscar fails requests under load.

The schema is rxshop's: oscar's stock ``basket.Line`` and ``order.Line`` simply
do not know the extra nullable ``prescription_id`` column, so stock oscar reads
and writes the same tables. Never migrate with these settings.
"""

from shop.settings import *  # noqa: F401,F403
from shop.settings import INSTALLED_APPS, MIDDLEWARE, TEMPLATES

_FORKS = {
    "shop.apps.checkout.apps.CheckoutConfig": "oscar.apps.checkout.apps.CheckoutConfig",
    "shop.apps.catalogue.apps.CatalogueConfig": "oscar.apps.catalogue.apps.CatalogueConfig",
    "shop.apps.partner.apps.PartnerConfig": "oscar.apps.partner.apps.PartnerConfig",
    "shop.apps.basket.apps.BasketConfig": "oscar.apps.basket.apps.BasketConfig",
    "shop.apps.order.apps.OrderConfig": "oscar.apps.order.apps.OrderConfig",
    "shop.apps.dashboard.apps.DashboardConfig": "oscar.apps.dashboard.apps.DashboardConfig",
    "shop.apps.customer.apps.CustomerConfig": "oscar.apps.customer.apps.CustomerConfig",
    "shop.apps.dashboard.partners.apps.PartnersDashboardConfig": "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
}
_RXSHOP_ONLY = {
    "shop.storefront.apps.StorefrontConfig",
    "payments.apps.PaymentsConfig",
    "compliance.apps.ComplianceConfig",
    "prescriptions.apps.PrescriptionsConfig",
    "prescriptions.dispensing.apps.DispensingConfig",
    "prescriptions.review.apps.ReviewConfig",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
}
INSTALLED_APPS = [_FORKS.get(app, app) for app in INSTALLED_APPS if app not in _RXSHOP_ONLY] + [
    "bench.stock_apps.StockAnalyticsConfig"
]
CSRF_FAILURE_VIEW = "django.views.csrf.csrf_failure"
MIDDLEWARE = [
    m
    for m in MIDDLEWARE
    if m
    not in {
        "django_otp.middleware.OTPMiddleware",
        "infra.staff.StaffSecondFactorMiddleware",
        "axes.middleware.AxesMiddleware",
        "csp.middleware.CSPMiddleware",
        "prescriptions.audit.StaffDataViewMiddleware",
    }
]
AUTHENTICATION_BACKENDS = (
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
)
TEMPLATES = [
    {
        **TEMPLATES[0],
        "DIRS": [],
        "OPTIONS": {
            **TEMPLATES[0]["OPTIONS"],
            "context_processors": [
                cp for cp in TEMPLATES[0]["OPTIONS"]["context_processors"] if not cp.startswith("shop.")
            ],
        },
    }
]
STATICFILES_DIRS = []
ROOT_URLCONF = "bench.stock_urls"
CELERY_BEAT_SCHEDULE = {}
OSCAR_DASHBOARD_NAVIGATION = []

# Stock oscar browses the catalogue through haystack only; with haystack's
# simple backend (rxshop's setting) an empty query lists no product at all, so
# home and category pages would be compared with empty pages. A Whoosh index
# (``pip install whoosh``; built by bench/pages.py with ``rebuild_index``)
# makes stock oscar list the same 20 products per page as rxshop.
import os as _os  # noqa: E402
from urllib.parse import urlparse as _urlparse  # noqa: E402

_db_name = _urlparse(_os.environ.get("DATABASE_URL", "")).path.lstrip("/") or "default"
HAYSTACK_CONNECTIONS = {
    "default": {
        "ENGINE": "haystack.backends.whoosh_backend.WhooshEngine",
        "PATH": str(BASE_DIR / "var" / "bench-whoosh" / _db_name),  # noqa: F405
        "INCLUDE_SPELLING": False,
        "BATCH_SIZE": 1000,
    },
}
# bench/load.py's journey lists no catalogue page (product, basket, checkout): there stock
# oscar runs on haystack's simple engine, as rxshop does, and needs neither Whoosh nor an
# index (every page still builds the header's search form, which loads the engine).
if _os.environ.get("BENCH_STOCK_SEARCH") == "simple":
    HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
