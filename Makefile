# rxshop: two commands for a fresh machine.
#   make demo   install, migrate, load the demo shop, start the local Stripe server, serve :8000
#   make test   install what the tests need and run the whole suite
#   make screenshots   run the browser journeys and refresh docs/screenshots/ (when they all pass)
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install demo test test-fast serve clean screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[test]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Browser tests inject axe-core from npm (when npm is there; they are skipped otherwise).
node_modules/.package-lock.json: package-lock.json
	@if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund; fi

install: $(STAMP)

demo: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@# localstripe on 127.0.0.1:8420 in the background, its webhook registered; stopped with the server.
	$(BIN)/python -m payments.localstripe_server --webhook-url http://127.0.0.1:8000/stripe/webhook/ \
		-- $(BIN)/python manage.py runserver 127.0.0.1:8000

test: install node_modules/.package-lock.json
	$(BIN)/python -m pytest $(PYTEST_ARGS)

screenshots: install node_modules/.package-lock.json
	RXSHOP_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e $(PYTEST_ARGS)

clean:
	rm -rf var staticfiles .pytest_cache
