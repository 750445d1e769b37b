"""rxshop settings: one module, read from the environment.

Embedded defaults run the demo on one machine with nothing else installed:
SQLite under ``var/``, Celery tasks run eagerly, prescription files in a private
folder under ``var/private`` (never under a public URL), e-mail to the console,
Stripe pointed at a local test server.

Production (``DJANGO_ENV=production``) takes everything from the environment
and refuses to start without a real ``SECRET_KEY`` and ``ALLOWED_HOSTS``:
``DATABASE_URL`` (PostgreSQL), ``CELERY_BROKER_URL`` (Redis or RabbitMQ),
``STRIPE_*`` and ``RXSHOP_PRIVATE_STORAGE=s3`` with ``AWS_*`` for an
S3-compatible bucket. No code change between the two.
"""

from __future__ import annotations

import datetime
from pathlib import Path
from urllib.parse import urlsplit

import environ
from celery.schedules import crontab
from csp.constants import NONCE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy
from oscar.defaults import *  # noqa: F401,F403  (oscar's documented way)
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("RXSHOP_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="demo")
PRODUCTION = DJANGO_ENV == "production"
if DJANGO_ENV not in {"demo", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'demo' or 'production'.")

DEBUG = env.bool("DEBUG", default=not PRODUCTION)

_DEMO_SECRET = "demo-only-insecure-key-never-use-in-production-0123456789abcdef"
SECRET_KEY = env.str("SECRET_KEY", default="" if PRODUCTION else _DEMO_SECRET)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# A refused form gets the shop's 403 page (what to do next), not Django's technical one.
CSRF_FAILURE_VIEW = "shop.storefront.errors.csrf_failure"

if PRODUCTION:
    if len(SECRET_KEY) < 50 or SECRET_KEY == _DEMO_SECRET or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("Production needs a real SECRET_KEY (50+ random characters) in the environment.")
    if not ALLOWED_HOSTS or "*" in ALLOWED_HOSTS:
        raise ImproperlyConfigured("Production needs ALLOWED_HOSTS (comma-separated host names, no '*').")

# --- Applications -----------------------------------------------------------

_OSCAR_APPS = [
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "shop.apps.checkout.apps.CheckoutConfig",
    "oscar.apps.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "shop.apps.catalogue.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "shop.apps.partner.apps.PartnerConfig",
    "shop.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "shop.apps.order.apps.OrderConfig",
    "shop.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "shop.apps.dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "shop.apps.dashboard.orders.apps.OrdersDashboardConfig",
    "shop.apps.dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "shop.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "oscar.apps.dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "shop.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    # rxshop's own apps come before oscar so their templates win.
    "infra.apps.InfraConfig",
    "shop.storefront.apps.StorefrontConfig",
    "payments.apps.PaymentsConfig",
    "compliance.apps.ComplianceConfig",
    "prescriptions.apps.PrescriptionsConfig",
    "prescriptions.dispensing.apps.DispensingConfig",
    "prescriptions.review.apps.ReviewConfig",
    *_OSCAR_APPS,
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "csp",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
]

SITE_ID = 1

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # Outermost after static files: it marks every answer, redirects and refusals included.
    "infra.nocache.PrivateNoStoreMiddleware",
    # Every redirect, whoever made it: none to another site from a target in the request.
    "infra.redirects.SafeRedirectMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # English or Spanish: the language cookie, else the browser's (infra/i18n.py). URLs unprefixed.
    "django.middleware.locale.LocaleMiddleware",
    "infra.i18n.SignInLanguageCookieMiddleware",  # the account's language, applied at sign-in
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "infra.staff.StaffSecondFactorMiddleware",
    # Records each staff view of a patient's data (after the second factor, once shown).
    "prescriptions.audit.StaffDataViewMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "oscar.apps.basket.middleware.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "axes.middleware.AxesMiddleware",
    "infra.errors.RxshopErrorMiddleware",  # a refusal no view caught: its sentence, with a 4xx
    "infra.badinput.BadLookupValueMiddleware",  # an id in a form that is no id: a 400, not a 500
]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "shop" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",  # LANGUAGE_CODE: <html lang>, the switcher
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "oscar.apps.search.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "oscar.apps.communication.notifications.context_processors.notifications",
                "oscar.core.context_processors.metadata",
                "shop.storefront.context_processors.pharmacy",
            ],
        },
    },
]

# --- Data ---------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'rxshop.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The demo's SQLite under concurrent use (a Stripe webhook while a page writes): WAL lets
    # readers and one writer proceed together; IMMEDIATE takes the write lock when a
    # transaction starts (not on its first write, where SQLite cannot wait and fails at
    # once with "database is locked"); the timeout is how long a writer waits for it.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    )
# Persistent connections in production: a new PostgreSQL connection per request cost the
# database ~110 ms of CPU per order under load (bench/README.md, "Load"); a connection lives
# CONN_MAX_AGE seconds and is checked before each request reuses it (a restarted database or a
# pooler that closed it costs one reconnect, not an error). The demo's SQLite keeps 0.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60 if PRODUCTION else 0))
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=PRODUCTION))
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

HAYSTACK_CONNECTIONS = {
    # haystack's simple engine, taught to search brand names and conditions (shop/storefront/search.py).
    "default": {"ENGINE": "shop.storefront.search.PharmacySearchEngine"}
}

# --- Auth ---------------------------------------------------------------------

AUTHENTICATION_BACKENDS = (
    "axes.backends.AxesStandaloneBackend",  # throttles login attempts (first, by design)
    "infra.backends.EmailBackend",  # oscar's e-mail sign-in; the user comes with their staff role
    "infra.backends.ModelBackend",
)
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "/accounts/login/"
# Login throttling: 5 failures for one account from one address lock it for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Failures count against the account, however its e-mail is typed (infra/signin.py), and
# against the real client behind our proxies, not the proxy (infra/clientip.py).
AXES_USERNAME_CALLABLE = "infra.signin.login_identity"
AXES_CLIENT_IP_CALLABLE = "infra.clientip.client_ip"
AXES_LOCKOUT_TEMPLATE = "pharmacy/locked_out.html"
# Staff (pharmacists, technicians, administrators) must pass a second factor
# (TOTP) before any page is shown to them; their sessions expire sooner.
OTP_TOTP_ISSUER = "rxshop Pharmacy"
# Nobody, not even an administrator, may read a member of staff's TOTP secret (or its QR
# code) in the admin: whoever holds it can pass that person's second factor.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
RXSHOP_STAFF_SESSION_SECONDS = env.int("RXSHOP_STAFF_SESSION_SECONDS", default=8 * 3600)
LOGIN_REDIRECT_URL = "/accounts/"

# --- Internationalisation -------------------------------------------------------

LANGUAGE_CODE = "en-us"
# The pharmacy's own time zone: dispatch cut-off, "today" for the rules, the daily jobs.
TIME_ZONE = env.str("RXSHOP_TIME_ZONE", default="America/New_York")
USE_I18N = True
USE_TZ = True
# The customer's choice (header switcher, remembered per account: infra/i18n.py). URLs are the
# same in both languages. rxshop's own catalogue: shop/locale (compiled by `make install`).
LANGUAGES = [("en", "English"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "shop" / "locale"]
# US Spanish writes dates in words and numbers the US way (1,234.50): shop/formats/es/.
FORMAT_MODULE_PATH = ["shop.formats"]

# --- Static and files ---------------------------------------------------------

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "shop" / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
MEDIA_URL = env.str("MEDIA_URL", default="/media/")  # or the proxy/bucket that serves media
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))

# Prescription files are medical data: a separate, private storage that has no
# public URL. They are only ever served through an access-checked view.
RXSHOP_PRIVATE_STORAGE = env.str("RXSHOP_PRIVATE_STORAGE", default="local")
PRIVATE_FILES_ROOT = Path(env.str("PRIVATE_FILES_ROOT", default=str(VAR_DIR / "private")))
if RXSHOP_PRIVATE_STORAGE == "s3":
    _private_storage = {
        "BACKEND": "prescriptions.storage.PrivateS3Storage",
        "OPTIONS": {
            "bucket_name": env.str("RXSHOP_PRIVATE_BUCKET"),
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": 60,
            "file_overwrite": False,
            "endpoint_url": env.str("AWS_S3_ENDPOINT_URL", default=None),
            "region_name": env.str("AWS_S3_REGION_NAME", default=None),
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
elif RXSHOP_PRIVATE_STORAGE == "local":
    _private_storage = {
        # A storage that gives no URL (url() refuses), so nothing links to a file directly.
        "BACKEND": "prescriptions.storage.PrivateFileSystemStorage",
        "OPTIONS": {
            "location": str(PRIVATE_FILES_ROOT),
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
else:
    raise ImproperlyConfigured("RXSHOP_PRIVATE_STORAGE must be 'local' or 's3'.")

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "private": _private_storage,
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- E-mail -------------------------------------------------------------------

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env.str("EMAIL_FILE_PATH", default=str(VAR_DIR / "mail"))
_EMAIL_URL = env.str("EMAIL_URL", default="")
if _EMAIL_URL:
    vars().update(env.email_url_config(_EMAIL_URL))
    if urlsplit(_EMAIL_URL).scheme == "filemail":
        # django-environ drops the leading "/" of filemail:///var/mail (a relative path that
        # then depends on the working directory): keep the path as written.
        EMAIL_FILE_PATH = urlsplit(_EMAIL_URL).path
# Seconds an SMTP connection may stall before the send fails (and the task retries):
# a mail server that hangs must not hold a worker. Every e-mail is sent by a worker,
# never while a request is handled (tests/shop/test_no_mail_in_requests.py proves it).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rxshop Pharmacy <pharmacy@rxshop.example>")
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL

# --- Celery -------------------------------------------------------------------

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=None)
# The queue every task goes to and every worker reads: a name of its own per shop when two share
# a broker (or give each a virtual host of its own in CELERY_BROKER_URL).
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_TASK_DEFAULT_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# celery beat keeps its last-run times here (`celery -A shop beat` reads it; run exactly one beat).
CELERY_BEAT_SCHEDULE_FILENAME = env.str("CELERY_BEAT_SCHEDULE_FILENAME", default=str(VAR_DIR / "celerybeat-schedule"))

# --- Security -----------------------------------------------------------------

# The header by which the TLS-terminating proxy says the client used https (it must set it on
# every request and strip any the client sent). Empty: no proxy header is trusted.
RXSHOP_PROXY_SSL_HEADER = env.str("RXSHOP_PROXY_SSL_HEADER", default="X-Forwarded-Proto")
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"  # the prescription file view alone allows same-origin framing
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    if RXSHOP_PROXY_SSL_HEADER:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + RXSHOP_PROXY_SSL_HEADER.upper().replace("-", "_"), "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)

# Content-Security-Policy (django-csp): scripts only from this site, or inline with
# the page's nonce (templates: nonce="{{ request.csp_nonce }}"); never 'unsafe-inline'
# for scripts. Styles keep 'unsafe-inline': oscar's templates and widgets use style=""
# attributes, which carry no script. Stripe.js (real Stripe only) loads from
# js.stripe.com and frames hooks.stripe.com for 3-D Secure.
_STRIPE_JS = ["https://js.stripe.com"]
_MEDIA_HOST = ["{0.scheme}://{0.netloc}".format(urlsplit(MEDIA_URL))] if "://" in MEDIA_URL else []
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", NONCE, *_STRIPE_JS],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", *_MEDIA_HOST],
        "font-src": ["'self'"],
        "connect-src": ["'self'", "https://api.stripe.com"],
        "frame-src": ["'self'", *_STRIPE_JS, "https://hooks.stripe.com"],
        "frame-ancestors": ["'none'"],  # the prescription file view alone: 'self' (prescriptions.views)
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    },
}

# A prescription upload is at most 10 MB a file; a request body over this is
# refused by Django before it is read into memory.
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# No patient data in logs or error reports (infra/logredact.py): every record
# goes through one console handler whose filter redacts it; Django's own handlers
# (and their e-mails to ADMINS) are not used.
# RXSHOP_LOG_FORMAT=json: one JSON object a line (for a log collector), formatted after
# the redaction filter has run, so the JSON carries only redacted text.
RXSHOP_LOG_FORMAT = env.str("RXSHOP_LOG_FORMAT", default="text")
if RXSHOP_LOG_FORMAT not in {"text", "json"}:
    raise ImproperlyConfigured("RXSHOP_LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_patient_data": {"()": "infra.logredact.RedactPatientData"}},
    "formatters": {"json": {"()": "infra.logjson.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact_patient_data"],
            **({"formatter": "json"} if RXSHOP_LOG_FORMAT == "json" else {}),
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.db.backends": {"level": "WARNING"},
    },
}
DEFAULT_EXCEPTION_REPORTER_FILTER = "infra.logredact.PatientDataExceptionReporterFilter"

# Rate limits (infra/ratelimit.py), per account per window: "20/h", "5/10m",
# "" for none. Over the limit: 429 with a page that says how long to wait.
RXSHOP_UPLOAD_RATE_LIMIT = env.str("RXSHOP_UPLOAD_RATE_LIMIT", default="20/h")
RXSHOP_PLACE_ORDER_RATE_LIMIT = env.str("RXSHOP_PLACE_ORDER_RATE_LIMIT", default="10/h")

# Reverse proxies in front of Django whose X-Forwarded-For entries we trust (infra/clientip.py):
# the client's address for sign-in throttling, rate limits and the audit logs. 0: the
# header is ignored. PRESCRIPTION_TRUSTED_PROXY_COUNT is its old name, still read.
RXSHOP_TRUSTED_PROXY_COUNT = env.int(
    "RXSHOP_TRUSTED_PROXY_COUNT", default=env.int("PRESCRIPTION_TRUSTED_PROXY_COUNT", default=0)
)

# --- Oscar --------------------------------------------------------------------

OSCAR_SHOP_NAME = "rxshop Pharmacy"
OSCAR_SHOP_TAGLINE = gettext_lazy("Licensed online pharmacy")
OSCAR_DEFAULT_CURRENCY = "USD"
# Dollars as the US writes them in English and in US Spanish alike: $1,234.50 (not 1.234,50 US$).
OSCAR_CURRENCY_FORMAT = {"USD": {"locale": "en_US"}}
OSCAR_ALLOW_ANON_CHECKOUT = False
# Oscar would send "back in stock" e-mails from StockRecord's post_save, inside the request
# that changed the stock; shop/apps/customer/alerts/receivers.py queues them instead.
OSCAR_EAGER_ALERTS = False
OSCAR_HOMEPAGE = "/catalogue/"
OSCAR_REQUIRED_ADDRESS_FIELDS = (
    "first_name",
    "last_name",
    "line1",
    "line4",
    "state",
    "postcode",
    "country",
)
# Money follows the medicine: the card is authorised at checkout and captured
# when the pharmacist dispenses (prescription orders) or when we ship (OTC).
# Oscar reads these when it defines its models, so they are spelt here; they must
# equal the order-status door's tables (prescriptions.orders; a system check says so).
OSCAR_INITIAL_ORDER_STATUS = "Awaiting shipment"  # set per order by the checkout
OSCAR_INITIAL_LINE_STATUS = "Pending"
OSCAR_ORDER_STATUS_PIPELINE = {
    "Awaiting dispense": ("Dispensed", "Cancelled"),
    "Dispensed": ("Shipped", "Cancelled"),
    "Awaiting shipment": ("Shipped", "Cancelled"),
    "Shipped": ("Complete",),
    "Complete": (),
    "Cancelled": (),
}
OSCAR_LINE_STATUS_PIPELINE = {
    "Pending": ("Dispensed", "Shipped", "Cancelled"),
    "Dispensed": ("Shipped", "Cancelled"),
    "Shipped": (),
    "Cancelled": (),
}
OSCAR_DASHBOARD_NAVIGATION = list(OSCAR_DASHBOARD_NAVIGATION)


def _may_dispense(user, url_name=None, url_args=None, url_kwargs=None) -> bool:
    """Nav visibility of the dispense screens (not an OscarDashboardConfig of their own)."""
    return user.has_perm("dispensing.dispense_order")


def _may_ship(user, url_name=None, url_args=None, url_kwargs=None) -> bool:
    """Nav visibility of the ship screen (pharmacists and technicians: prescriptions.roles)."""
    return user.has_perm("prescriptions.ship_order")


def _is_administrator(user, url_name=None, url_args=None, url_kwargs=None) -> bool:
    """Nav visibility of the staff authenticators page (shop/apps/dashboard/staff.py)."""
    return user.is_superuser


# The pharmacy section (prescriptions.review); each entry shows only to users
# with its permissions (oscar's default_access_fn reads the section's config).
OSCAR_DASHBOARD_NAVIGATION += [
    {
        "label": "Pharmacy",
        "icon": "fas fa-prescription",
        "children": [
            {"label": "Review queue", "url_name": "dashboard:pharmacy-queue"},
            {"label": "Prescription history (inspector)", "url_name": "dashboard:pharmacy-inspector"},
            {"label": "Access log (inspector)", "url_name": "dashboard:pharmacy-access-log"},
            {"label": "Refills and transfers", "url_name": "dashboard:pharmacy-refills"},
            {"label": "Dispense", "url_name": "dashboard:dispense-queue", "access_fn": _may_dispense},
            {"label": "Ship", "url_name": "dashboard:ship-queue", "access_fn": _may_ship},
            {
                "label": "Staff authenticators",
                "url_name": "dashboard:staff-authenticators",
                "access_fn": _is_administrator,
            },
        ],
    },
]

# --- The pharmacy -------------------------------------------------------------

RXSHOP_PHARMACY = {
    "name": "rxshop Pharmacy",
    "address": env.str("RXSHOP_PHARMACY_ADDRESS", default="120 Hudson Street, Suite 4, New York, NY 10013"),
    "phone": env.str("RXSHOP_PHARMACY_PHONE", default="1-800-555-0142"),
    "email": env.str("RXSHOP_PHARMACY_EMAIL", default="pharmacist@rxshop.example"),
    "pharmacist_in_charge": env.str("RXSHOP_PHARMACIST_IN_CHARGE", default="Dana Whitfield, PharmD"),
    "pharmacist_hours": gettext_lazy("Mon–Fri 8 am–8 pm, Sat 9 am–5 pm Eastern"),
    "support_answer_time": gettext_lazy("within 4 business hours"),
}
# Fill accuracy (prescriptions/dispensing/fill.py): every prescription pack is scanned at
# fill before the pharmacist may release the order. Handheld scanners in keyboard mode send
# the GS1 group separator (ASCII 29) as this substitute when the keyboard cannot type it;
# "|" is outside the GS1 character set, so it never occurs in a lot or serial.
RXSHOP_FILL_SCAN_REQUIRED = env.bool("RXSHOP_FILL_SCAN_REQUIRED", default=True)
RXSHOP_SCAN_GS_SUBSTITUTE = env.str("RXSHOP_SCAN_GS_SUBSTITUTE", default="|")
# iPLEDGE modification approved 2026-02-09, effective 180 days later (RULES.md 1.11).
IPLEDGE_MOD_2026_EFFECTIVE = datetime.date.fromisoformat(env.str("IPLEDGE_MOD_2026_EFFECTIVE", default="2026-08-08"))
# Prescriptions, their files and every record about them are kept this many years after
# their last activity (state pharmacy law; check your states'), then purged by
# `manage.py purge_past_retention --apply` (prescriptions/retention.py). Closing an
# account never deletes them (prescriptions/privacy.py).
RXSHOP_RETENTION_YEARS = env.int("RXSHOP_RETENTION_YEARS", default=6)
# Ryan Haight Act online registration (RULES.md 3.3): off until DEA says so.
RXSHOP_ONLINE_CONTROLLED_REGISTERED = env.bool("RXSHOP_ONLINE_CONTROLLED_REGISTERED", default=False)

# --- Stripe -------------------------------------------------------------------

STRIPE_SECRET_KEY = env.str("STRIPE_SECRET_KEY", default="sk_test_localstripe")
STRIPE_PUBLISHABLE_KEY = env.str("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe")
STRIPE_API_BASE = env.str("STRIPE_API_BASE", default="" if PRODUCTION else "http://127.0.0.1:8420")
STRIPE_WEBHOOK_SECRET = env.str("STRIPE_WEBHOOK_SECRET", default="" if PRODUCTION else "whsec_local")

# --- Prescriptions: uploads and virus scanning (issue 4, prescriptions/) -------
# Each file at most 10 MB, a PDF at most 10 pages, images bounded in pixels. A
# request over PRESCRIPTION_MAX_REQUEST_SIZE is refused (413) from its
# Content-Length, before its body is read.
PRESCRIPTION_MAX_FILE_SIZE = 10 * 1024 * 1024
PRESCRIPTION_MAX_FILES = 10
PRESCRIPTION_MAX_REQUEST_SIZE = 31 * 1024 * 1024
PRESCRIPTION_MAX_PDF_PAGES = 10
PRESCRIPTION_MAX_IMAGE_PIXELS = 50_000_000
PRESCRIPTION_MAX_IMAGE_SIDE = 12_000
# A PDF is parsed in a child process with this CPU budget (killed after twice it plus
# start-up) and this address-space limit (prescriptions/pdf_probe.py).
PRESCRIPTION_MAX_PDF_SECONDS = env.float("PRESCRIPTION_MAX_PDF_SECONDS", default=10.0)
PRESCRIPTION_MAX_PDF_MEMORY = env.int("PRESCRIPTION_MAX_PDF_MEMORY", default=768 * 1024 * 1024)
# ClamAV daemon: a unix socket, or host and port. Unset in the demo: files are
# then marked "not scanned: no virus scanner configured".
CLAMD_SOCKET = env.str("CLAMD_SOCKET", default="")
CLAMD_HOST = env.str("CLAMD_HOST", default="")
CLAMD_PORT = env.int("CLAMD_PORT", default=3310)
CLAMD_TIMEOUT = env.float("CLAMD_TIMEOUT", default=30.0)
# Production needs a scanner, or this set to "off" on purpose (`check --deploy` then warns,
# rxshop.W001): a customer's upload is then stored unscanned.
RXSHOP_VIRUS_SCANNING = env.str("RXSHOP_VIRUS_SCANNING", default="on")
if RXSHOP_VIRUS_SCANNING not in {"on", "off"}:
    raise ImproperlyConfigured("RXSHOP_VIRUS_SCANNING must be 'on' or 'off'.")

# --- Payments: Stripe calls and the authorisation-expiry job (shop/payments) ----
# The SDK retries timeouts, connection errors and 5xx with the same idempotency key.
STRIPE_MAX_NETWORK_RETRIES = env.int("STRIPE_MAX_NETWORK_RETRIES", default=2)
STRIPE_TIMEOUT_SECONDS = env.int("STRIPE_TIMEOUT_SECONDS", default=30)
CELERY_BEAT_SCHEDULE = {
    **globals().get("CELERY_BEAT_SCHEDULE", {}),
    # Stripe cancels an uncaptured authorisation after 7 days: void it first,
    # cancel the order and tell the customer (prescriptions.fulfilment.expire_authorisation).
    "payments-void-expiring-authorisations": {
        "task": "shop.payments.tasks.void_expiring_authorisations",
        "schedule": 60 * 60,
    },
}

# --- Transactional outbox (infra.outbox) -------------------------------------
# Tasks are written to the database with the change that caused them; this job
# sends whatever the broker could not take at the time.
CELERY_BEAT_SCHEDULE["outbox-relay"] = {"task": "shop.pharmacy.tasks.relay_outbox", "schedule": 60}
# iPLEDGE RMAs obtained but never dispensed are flagged for reversal (RULES.md 1.9).
CELERY_BEAT_SCHEDULE["prescriptions-expire"] = {
    "task": "prescriptions.tasks.expire_prescriptions",
    "schedule": 24 * 3600,
}
# Files written by an upload whose transaction then rolled back (prescriptions.services).
CELERY_BEAT_SCHEDULE["prescriptions-delete-orphan-files"] = {
    "task": "prescriptions.tasks.delete_orphan_files",
    "schedule": 24 * 3600,
}
CELERY_BEAT_SCHEDULE["dispensing-flag-rmas"] = {
    "task": "prescriptions.dispensing.tasks.flag_rmas_for_reversal",
    "schedule": 6 * 3600,
}

# --- Refills (issue 22, prescriptions/refills.py) ----------------------------------
# Once a day at 09:00 in the pharmacy's time zone (CELERY_TIMEZONE = TIME_ZONE, New York):
# one reminder per fill whose supply runs out within RXSHOP_REFILL_REMINDER_DAYS days.
RXSHOP_REFILL_REMINDER_DAYS = env.int("RXSHOP_REFILL_REMINDER_DAYS", default=7)
CELERY_BEAT_SCHEDULE["prescriptions-refill-reminders"] = {
    "task": "prescriptions.tasks.send_refill_reminders",
    "schedule": crontab(hour=9, minute=0),
}
# Automatic refills (prescriptions/autorefill.py): once a day at 08:00 in the pharmacy's time
# zone, the order of every automatic refill allowed that day is placed and its card authorised.
CELERY_BEAT_SCHEDULE["prescriptions-auto-refills"] = {
    "task": "prescriptions.tasks.run_auto_refills",
    "schedule": crontab(hour=8, minute=0),
}
# Text messages (refill reminders): a class with send(to, body); the demo prints them.
RXSHOP_SMS_BACKEND = env.str("RXSHOP_SMS_BACKEND", default="infra.sms.ConsoleSmsBackend")

# --- Pharmacist review workspace (issue 5, prescriptions/review) ----------------
# The queue shows each prescription's age against this target (hours since upload).
REVIEW_TARGET_HOURS = env.int("REVIEW_TARGET_HOURS", default=4)
# A reviewer's claim on a prescription lapses after this long without activity.
REVIEW_CLAIM_MINUTES = env.int("REVIEW_CLAIM_MINUTES", default=30)
# Off: the pharmacist who verifies must not have transcribed (a second pair of eyes).
REVIEW_SAME_PERSON_MAY_TRANSCRIBE_AND_VERIFY = env.bool("REVIEW_SAME_PERSON_MAY_TRANSCRIBE_AND_VERIFY", default=False)
REVIEW_QUEUE_PAGE_SIZE = env.int("REVIEW_QUEUE_PAGE_SIZE", default=50)

# --- Shipping: promised delivery dates and the ship screen (prescriptions/delivery.py) ----
# Parcels ready before this time (TIME_ZONE, the pharmacy's own) leave the same business day.
RXSHOP_DISPATCH_CUTOFF = env.str("RXSHOP_DISPATCH_CUTOFF", default="14:00")
# Oscar shipping method code -> (fewest, most) business days in transit; the promise is the most.
# Oscar's default repository offers only "free-shipping" (USPS Ground Advantage, 3-5 days).
RXSHOP_SHIPPING_TRANSIT_DAYS = {
    "free-shipping": (3, 5),
    "standard": (3, 5),
    "express": (1, 2),
}
RXSHOP_DEFAULT_SHIPPING_METHOD = "free-shipping"

# --- Production: refuse to start half-configured ---------------------------------
# The public address of the shop, e.g. https://pharmacy.example: links in e-mails and the
# Sites framework's domain (`manage.py setup_pharmacy` writes it there).
RXSHOP_SITE_URL = env.str("RXSHOP_SITE_URL", default="" if PRODUCTION else "http://127.0.0.1:8000")
if PRODUCTION:
    _missing = []
    if not STRIPE_SECRET_KEY.startswith(("sk_live_", "sk_test_")) or STRIPE_SECRET_KEY == "sk_test_localstripe":
        _missing.append("STRIPE_SECRET_KEY (a real Stripe secret key, sk_live_… or sk_test_…)")
    if (
        not STRIPE_PUBLISHABLE_KEY.startswith(("pk_live_", "pk_test_"))
        or STRIPE_PUBLISHABLE_KEY == "pk_test_localstripe"
    ):
        _missing.append("STRIPE_PUBLISHABLE_KEY (pk_live_… or pk_test_…)")
    if not STRIPE_WEBHOOK_SECRET.startswith("whsec_") or STRIPE_WEBHOOK_SECRET == "whsec_local":
        _missing.append("STRIPE_WEBHOOK_SECRET (whsec_…, from the webhook endpoint in Stripe's dashboard)")
    _site = urlsplit(RXSHOP_SITE_URL)
    if _site.scheme not in {"http", "https"} or not _site.netloc or _site.path not in {"", "/"}:
        _missing.append("RXSHOP_SITE_URL (the shop's public address, e.g. https://pharmacy.example)")
    if not (CLAMD_SOCKET or CLAMD_HOST) and RXSHOP_VIRUS_SCANNING != "off":
        _missing.append("CLAMD_SOCKET or CLAMD_HOST (a ClamAV daemon), or RXSHOP_VIRUS_SCANNING=off on purpose")
    if _missing:
        raise ImproperlyConfigured("Production needs these settings in the environment: " + "; ".join(_missing) + ".")
