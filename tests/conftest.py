"""Shared test set-up.

Celery runs tasks eagerly in tests (inside ``on_commit``), except in tests
marked ``redis``, which use the real broker from ``CELERY_BROKER_URL`` and a
real worker. ``production_smoke`` (tests/prod/test_smoke.py) installs the built wheel into a
fresh venv and runs the whole production stack on RabbitMQ. Outside CI those are skipped when no broker is configured; CI sets
``RXSHOP_REQUIRE_SERVICES=1`` so that a missing broker fails instead.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from shop.celery import app as celery_app
from tests.factories import CustomerFactory, PharmacistFactory, staff_client

RABBITMQ_URL = os.environ.get("RXSHOP_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672//")


def _reachable(url: str) -> bool:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=2).close()
    except OSError:
        return False
    return True


def _missing_for(marker: str) -> str | None:
    """Why tests with this marker cannot run on this machine (None if they can)."""
    if marker == "postgresql":
        from django.db import connection

        if connection.vendor != "postgresql":
            return "needs PostgreSQL (row locks, SELECT ... FOR UPDATE, COPY); CI runs on PostgreSQL"
    if marker == "redis" and not os.environ.get("CELERY_BROKER_URL"):
        return "needs CELERY_BROKER_URL (a real Redis); CI always sets it"
    if marker == "rabbitmq" and not _reachable(RABBITMQ_URL):
        return f"needs RabbitMQ at {RABBITMQ_URL} (RXSHOP_RABBITMQ_URL); CI runs one"
    if marker == "production_smoke":
        if not _reachable(RABBITMQ_URL):
            return f"needs RabbitMQ at {RABBITMQ_URL} (RXSHOP_RABBITMQ_URL); CI runs one"
        if not shutil.which("make"):
            return "needs make (the README installs with `make install-prod`)"
    if marker == "e2e":
        chromium = os.environ.get("RXSHOP_CHROMIUM", "/usr/bin/chromium")
        if not os.path.exists(chromium):
            return f"needs Chromium at {chromium} (apt-get install chromium); CI installs it"
        if not (Path(__file__).parent.parent / "node_modules" / "axe-core").exists():
            return "needs axe-core (npm ci); `make test` and CI install it"
    return None


def _compile_stale_catalogues() -> None:
    """`make install` compiles the translation catalogues (the .mo files are not committed); a run
    started without it (a fresh checkout, plain pytest) compiles any that are missing or older
    than their .po here, as the build would, so Spanish pages are not silently English."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in (Path(__file__).parent.parent / "shop" / "locale").glob("*/LC_MESSAGES/django.po"):
        mo_path = po_path.with_suffix(".mo")
        if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
            continue
        with po_path.open("rb") as po:
            catalog = read_po(po, locale=po_path.parent.parent.name)
        partial = mo_path.with_name(f"{mo_path.name}.{os.getpid()}")  # test processes may race here
        with partial.open("wb") as mo:
            write_mo(mo, catalog)  # fuzzy entries left out, as `make messages` does
        os.replace(partial, mo_path)


def pytest_configure(config):
    """Tests hash passwords with a fast hasher: PBKDF2's 200 ms a hash was most of the suite's
    time (every ``demo_shop`` makes five accounts). Production keeps Django's strong default
    (``tests/shop/test_demo_and_settings.py`` proves it)."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # pytest-django turns DEBUG off for the tests, but only after collection: a test module that
    # imports the shop's URLconf while being collected would otherwise build it with the demo's
    # DEBUG (and its /media/ route), for every test after it.
    settings.DEBUG = False
    _compile_stale_catalogues()
    # The journeys written before the fill scan (issue 23) release orders without scanning packs;
    # the fill tests (tests/dispensing/test_fill*.py, tests/e2e/test_fill_journey.py) turn it on.
    settings.RXSHOP_FILL_SCAN_REQUIRED = False


BROKERS = ("redis", "rabbitmq", "production_smoke")
# The files whose tests start a Celery worker on a broker shared by the machine (Redis, RabbitMQ)
# or the whole production stack: kept in one test process, one after another (checked below).
BROKER_FILES = (
    "tests/prod/test_smoke.py",
    "tests/security/test_worker_killed.py",
    "tests/shop/test_celery_broker.py",
    "tests/shop/test_celery_rabbitmq.py",
)
# Files whose tests share a module fixture too dear to build twice (the access matrix's answers,
# minutes of requests): handed out whole. Every other test is handed out on its own.
WHOLE_FILES = ("tests/security/test_access_matrix.py",)


def xdist_group_of(nodeid: str) -> str:
    """Which tests ``make test`` (pytest-xdist, two processes) hands out together, as one unit run
    in one process in collection order (the scheduler below never splits one).

    Each test is a unit of its own, so each process gets its tests in collection order, which
    keeps pytest-django's order (tests in a rolled-back transaction first, then those that
    commit and flush the database, then those without one; see ``_run_order``), as Django needs:
    a flush removes what the migrations wrote. The broker tests are one unit, run one after
    another in one process. The browser journeys are one unit, handed out last: one stack, one
    browser, nothing after them in that process. ``WHOLE_FILES`` are one unit each (checked to hold
    one kind of test, so the order still holds).

    Decided from the test's id alone: xdist's own ``--dist loadgroup`` marks the id, which
    pytest 9 no longer lets a plugin change, so it silently handed out every test on its own."""
    path = nodeid.split("::", 1)[0]
    if path.startswith("tests/e2e/"):
        return "e2e"
    if path in BROKER_FILES:
        return "brokers"
    if path in WHOLE_FILES:
        return path
    return nodeid


def pytest_xdist_make_scheduler(config, log):
    from xdist.scheduler import LoadScopeScheduling

    class GroupScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return xdist_group_of(nodeid)

    return GroupScheduling(config, log)


def _django_kind(item) -> int:
    """pytest-django's order: 0 rolled back, 1 committed (flushes the database after), 2 no database."""
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    transactional = bool(marker and (marker.kwargs.get("transaction") or marker.kwargs.get("reset_sequences")))
    transactional = transactional or "transactional_db" in fixtures or "live_server" in fixtures
    if transactional:
        return 1
    return 0 if (marker or "db" in fixtures) else 2


def _run_order(item) -> tuple:
    # Browser journeys run last: pytest-playwright's session-wide Playwright keeps an asyncio
    # loop running in the main thread from the first journey on, and Django then refuses every
    # database call made from that thread (SynchronousOnlyOperation) in the tests after it.
    # Under xdist (``--no-loadscope-reorder``: units are handed out in collection order) the
    # journeys' unit is the last one given to any process, so nothing runs after it. Then
    # pytest-django's order, and within each kind the slow tests first, so that the two
    # processes finish together.
    return ("e2e" in item.keywords, _django_kind(item), "slow" not in item.keywords)


@pytest.hookimpl(trylast=True)  # after pytest-django's own ordering
def pytest_collection_modifyitems(config, items):
    items.sort(key=_run_order)
    kinds: dict[str, set[int]] = {}
    for item in items:
        path = item.nodeid.split("::", 1)[0]
        if any(marker in item.keywords for marker in BROKERS) != (path in BROKER_FILES):
            raise pytest.UsageError(
                f"{item.nodeid}: a broker test belongs in a file of BROKER_FILES (tests/conftest.py)"
            )
        if ("e2e" in item.keywords) != path.startswith("tests/e2e/"):
            raise pytest.UsageError(f"{item.nodeid}: browser journeys (marker e2e) live under tests/e2e/")
        if path in WHOLE_FILES:
            kinds.setdefault(path, set()).add(_django_kind(item))
    for path, found in kinds.items():
        if len(found) > 1:
            raise pytest.UsageError(f"{path} is handed out whole (WHOLE_FILES) but mixes kinds of database use")
    for marker in ("postgresql", "redis", "rabbitmq", "production_smoke", "e2e"):
        reason = _missing_for(marker)
        if reason is None:
            continue
        if os.environ.get("RXSHOP_REQUIRE_SERVICES") == "1":
            raise pytest.UsageError(f"RXSHOP_REQUIRE_SERVICES=1 but {marker} tests cannot run: {reason}")
        for item in items:
            if marker in item.keywords:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(autouse=True)
def _no_event_loop_left_running(request):
    """A test that leaves an asyncio loop running in the main thread makes Django refuse every
    database call of the tests after it (SynchronousOnlyOperation, far from the cause): name
    the test that did it instead."""
    yield
    if "e2e" in request.keywords:
        return  # pytest-playwright's own loop; the journeys run last
    import asyncio

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    pytest.fail(f"{request.node.nodeid} left an asyncio event loop running in the main thread")


@pytest.fixture(autouse=True)
def _eager_celery(request):
    """Run tasks in-process unless the test needs the real broker."""
    if "redis" in request.keywords or "rabbitmq" in request.keywords:
        yield
        return
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Every test starts with an empty cache: rate-limit counters (infra/ratelimit.py)
    are per account id, and ids repeat from test to test."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _private_storage(tmp_path, settings):
    """Each test gets its own private file folder (a fresh storage instance)."""
    private = dict(settings.STORAGES["private"])
    if private["BACKEND"].endswith("FileSystemStorage"):
        private["OPTIONS"] = {**private.get("OPTIONS", {}), "location": str(tmp_path / "private")}
        settings.STORAGES = {**settings.STORAGES, "private": private}
    yield


@pytest.fixture
def demo_shop(db):
    """The demo catalogue, licences and accounts, exactly as `make demo` loads them (recorded
    once and replayed: tests/factories/demo.py)."""
    from tests.factories.demo import load_demo

    load_demo()


@pytest.fixture
def alice(demo_shop, django_user_model):
    return django_user_model.objects.get(email="alice@example.com")


@pytest.fixture
def bob(demo_shop, django_user_model):
    return django_user_model.objects.get(email="bob@example.com")


@pytest.fixture
def alice_client(client, alice):
    client.force_login(alice)
    return client


# --- Roles: defined once here, for every folder (tests/factories/users.py) ----------
# The demo's staff (Priya the pharmacist, Tom the technician, Ada the shop administrator)
# are in their groups from prescriptions.roles.sync_roles and have a confirmed
# authenticator; the *_client fixtures are fresh clients that have passed the second factor.


@pytest.fixture
def pharmacist(demo_shop, django_user_model):
    return django_user_model.objects.get(email="pharmacist@example.com")


@pytest.fixture
def technician(demo_shop, django_user_model):
    return django_user_model.objects.get(email="technician@example.com")


@pytest.fixture
def shop_admin(demo_shop, django_user_model):
    return django_user_model.objects.get(email="admin@example.com")


@pytest.fixture
def second_pharmacist(demo_shop):
    """Another pharmacist (Omar Haddad), without an authenticator yet."""
    return PharmacistFactory(email="pharmacist2@example.com", first_name="Omar", last_name="Haddad")


@pytest.fixture
def customer(db):
    """A customer of her own (Carol), on a shop without the demo loaded."""
    return CustomerFactory(username="carol", email="carol@example.com")


@pytest.fixture
def pharmacist_client(pharmacist):
    return staff_client(pharmacist)


@pytest.fixture
def technician_client(technician):
    return staff_client(technician)


@pytest.fixture
def staff_admin_client(shop_admin):
    return staff_client(shop_admin)


# --- Stripe: a real localstripe process (shop/payments) ---------------------------

LOCALSTRIPE_KEY = "sk_test_rxshop_tests"
LOCALSTRIPE_WEBHOOK_SECRET = "whsec_rxshop_tests"


@pytest.fixture(autouse=True)
def _no_stray_stripe_calls(settings):
    """A test that reaches Stripe without asking for ``localstripe`` gets a refused
    connection, never a demo server that happens to run on port 8420."""
    settings.STRIPE_API_BASE = "http://127.0.0.1:9"
    settings.STRIPE_SECRET_KEY = LOCALSTRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = LOCALSTRIPE_WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 0
    yield


@pytest.fixture(scope="session")
def localstripe_server(tmp_path_factory):
    """localstripe bound to 127.0.0.1 on a free port for the whole session; its base URL."""
    import socket
    import subprocess
    import sys
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    workdir = tmp_path_factory.mktemp("localstripe")
    code = (
        "from aiohttp import web; from localstripe.server import app; "
        f"web.run_app(app, host='127.0.0.1', port={port}, print=None)"
    )
    log = open(workdir / "localstripe.log", "wb")
    # TMPDIR: localstripe pickles its state to the temp folder after every write;
    # keep that away from a demo server's file.
    process = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=log,
        stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(workdir)},
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(f"{base}/v1/balance", timeout=1)
        except urllib.error.HTTPError:
            break  # 401 without a key: it answers
        except (urllib.error.URLError, OSError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError(f"localstripe did not start; see {workdir / 'localstripe.log'}") from None
            time.sleep(0.1)
        else:
            break
    yield base
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
    log.close()


@pytest.fixture
def localstripe(localstripe_server, settings, _no_stray_stripe_calls):
    """Point rxshop at the session's localstripe, wiped clean for this test."""
    import urllib.request

    urllib.request.urlopen(urllib.request.Request(f"{localstripe_server}/_config/data", method="DELETE"), timeout=5)
    settings.STRIPE_API_BASE = localstripe_server
    settings.STRIPE_SECRET_KEY = LOCALSTRIPE_KEY
    settings.STRIPE_WEBHOOK_SECRET = LOCALSTRIPE_WEBHOOK_SECRET
    settings.STRIPE_MAX_NETWORK_RETRIES = 2
    return localstripe_server


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request's LocaleMiddleware leaves its language active in the thread (a server starts every
    request afresh; a test process does not): a test that asked for Spanish must not make the
    next test's pages, e-mails or messages Spanish."""
    yield
    from django.utils import translation

    translation.deactivate()
