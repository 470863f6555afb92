# The two commands of the README: `make run` (install, migrate, serve on http://127.0.0.1:8050)
# and `make test` (install what the tests need, run them). Both are idempotent; the second run
# skips installs whose requirement files have not changed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
WORKERS ?= 2
# PostgreSQL for the test suite; the tests create their own databases (aim_test_gw0, ...) on it
# and skip the PostgreSQL half with a message when it is unreachable (outside CI).
AIM_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/aim_test
export AIM_TEST_DATABASE_URL
# apt-get needs root; use sudo when not root and sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run dev test bench install install-test system-test-deps migrate seed clean help

help:
	@echo "make run    install, migrate and serve on http://$(HOST):$(PORT)"
	@echo "make test   install test dependencies and run the whole suite"
	@echo "make dev    Flask/Dash development server with debug on (explicit opt-in)"
	@echo "make bench  import and scorecard benchmarks on scratch databases (prints figures)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "setuptools<81" wheel
	@# XStatic-Bootstrap exists only as an sdist whose setup.py imports pkg_resources.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		"$$(grep -i '^xstatic-bootstrap==' requirements.txt)"
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt
	touch $@

install: $(VENV)/.installed

install-test: $(VENV)/.installed-test system-test-deps node_modules/.installed

# axe-core for the accessibility tests, from npm (Node from Debian if the machine has none).
node_modules/.installed: package.json package-lock.json
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm >/dev/null; }
	npm ci --no-audit --no-fund --silent
	touch $@

# Browser tests drive Debian's Chromium; install it once if it is missing.
system-test-deps:
	@command -v chromium >/dev/null || { $(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium >/dev/null; }

migrate: install
	$(BIN)/python -m aim db upgrade

# The demonstration city is loaded on first start only (an empty database).
seed: migrate
	$(BIN)/python -m aim seed demo --if-empty

run: seed
	$(BIN)/gunicorn --no-control-socket --workers $(WORKERS) --bind $(HOST):$(PORT) \
		--access-logfile - app:server

dev: seed
	AIM_DEBUG=true $(BIN)/python -c "from app import app; app.run(host='$(HOST)', port=$(PORT), debug=True)"

test: install-test
	$(BIN)/python -m pytest -n auto --dist loadfile

# Scratch databases only: a SQLite file in a temporary folder, and PostgreSQL's aim_bench when the
# server answers. Prints Markdown tables for docs/benchmarks.md. BENCH_FLAGS=--lighthouse adds
# Lighthouse scores (npx fetches lighthouse from npm; Debian's chromium runs it).
AIM_BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/aim_bench
BENCH_FLAGS ?=
bench: install
	$(BIN)/python -m aim bench $(BENCH_FLAGS) $$(pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && \
		echo "--postgres-url $(AIM_BENCH_DATABASE_URL)")

clean:
	rm -rf $(VENV) .pytest_cache node_modules
