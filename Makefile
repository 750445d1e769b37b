# rxshop: two commands for a fresh machine.
#   make demo   install, migrate, load the demo shop, start the local Stripe server, serve :8000
#   make test   install what the tests need, lint, and run the whole suite
#   make screenshots   run the browser journeys and refresh docs/screenshots/ (when they all pass)
# And for the code itself:
#   make lint   ruff (lint and format check) and the import contracts (lint-imports)
#   make audit  known vulnerabilities in the runtime dependencies (pip-audit over requirements/runtime.lock)
#   make lock   regenerate requirements/*.lock from pyproject.toml (LOCK_ARGS=--upgrade to take new releases)
#   make messages   compile the translation catalogues (shop/locale/*/LC_MESSAGES/django.po -> .mo)
#   make makemessages   re-extract the strings into the .po files (needs GNU gettext's xgettext)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip
# Reinstall whenever the dependency lists or the lock change.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements/test.lock | cksum | cut -d' ' -f1)

.PHONY: install install-prod demo test test-fast serve clean screenshots lint audit lock messages makemessages

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Every package, pip included, at the version and hash in the lock; then rxshop itself, whose
# dependencies the lock already holds.
$(STAMP): pyproject.toml requirements/test.lock | $(BIN)/python
	$(PIP) install --quiet --require-hashes -r requirements/test.lock
	$(PIP) install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The locks hold every release file's hash for Python 3.11 on any platform (markers say which
# package is for which); the runtime lock is what production installs, the test lock adds the
# `test` extra. uv keeps the versions already locked unless LOCK_ARGS=--upgrade.
UV_VERSION := 0.13.9
LOCK_ARGS ?=
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command "make lock" --quiet $(LOCK_ARGS)

lock: | $(BIN)/python
	$(PIP) install --quiet uv==$(UV_VERSION)
	$(UV_COMPILE) --output-file requirements/runtime.lock
	$(UV_COMPILE) --extra test --output-file requirements/test.lock

# Browser tests inject axe-core from npm (when npm is there; they are skipped otherwise).
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund; fi

# Translations: the .po files are the source (committed); the .mo files are built here, never
# committed (.gitignore). Babel compiles them in pure Python, so building needs no gettext; it
# leaves out fuzzy entries (as msgfmt does) and fails on a broken catalogue.
# tests/shop/test_translations.py fails when a Spanish entry is missing or fuzzy.
LOCALE_DIR := shop/locale
messages: $(STAMP)
	$(BIN)/pybabel --quiet compile --domain django --directory $(LOCALE_DIR)

# Extraction is Django's (it understands {% translate %} and {% blocktranslate %}).
makemessages: $(STAMP)
	$(BIN)/python manage.py makemessages --locale es --no-obsolete --ignore 'node_modules/*' \
		--ignore 'tests/*' --ignore 'bench/*' --ignore 'build/*' --ignore 'staticfiles/*' --ignore 'var/*'

install: $(STAMP) messages

# Production: the runtime dependencies only, each at its locked version and hash, then rxshop
# itself (the wheel carries templates and static files). PY: the production venv's python.
PY ?= $(BIN)/python
install-prod:
	$(PY) -m pip install --require-hashes -r requirements/runtime.lock
	$(PY) -m babel.messages.frontend --quiet compile --domain django --directory $(LOCALE_DIR)
	$(PY) -m pip install --no-deps .

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@# localstripe on 127.0.0.1:8420 in the background, its webhook registered; stopped with the server.
	$(BIN)/python -m payments.localstripe_server --webhook-url http://127.0.0.1:8000/stripe/webhook/ \
		-- $(BIN)/python manage.py runserver 127.0.0.1:8000

# All three run, so one pass shows every kind of problem; any failure fails the target.
lint: install
	@status=0; \
	$(BIN)/ruff check . || status=1; \
	$(BIN)/ruff format --check . || status=1; \
	$(BIN)/lint-imports --no-cache || status=1; \
	exit $$status

# One test process per core (TEST_WORKERS=0: a single process, as a debugger wants). The groups
# (a file's tests together, the broker tests together, the browser journeys last) are chosen by
# the scheduler in tests/conftest.py; --no-loadscope-reorder keeps the order given there.
TEST_WORKERS ?= 2
test: install lint node_modules/.package-lock.json
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS)

# Reads the lock alone (no environment is built). --strict: a package the vulnerability service
# could not look up fails the audit, rather than being counted as clean.
audit: install
	$(BIN)/pip-audit --requirement requirements/runtime.lock --require-hashes --disable-pip --strict \
		--progress-spinner off

screenshots: install node_modules/.package-lock.json
	RXSHOP_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

clean:
	rm -rf var staticfiles .pytest_cache
