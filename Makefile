# The two commands of the README: `make run` (install, migrate, serve on http://127.0.0.1:8050)
# and `make test` (install what the tests need, run them). Both are idempotent; the second run
# skips installs whose requirement files have not changed.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8050
# Two workers need Redis for the rate limits they share (gunicorn.conf.py refuses otherwise).
WORKERS ?= $(if $(AIM_REDIS_URL),2,1)
# PostgreSQL for the test suite; the tests create their own databases (aim_test_gw0, ...) on it
# and skip the PostgreSQL half with a message when it is unreachable (outside CI).
AIM_TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/aim_test
export AIM_TEST_DATABASE_URL
# apt-get needs root; use sudo when not root and sudo exists.
SUDO := $(shell [ "$$(id -u)" = 0 ] || command -v sudo)

.PHONY: run dev test lint bench install install-test system-test-deps migrate seed requirements clean help

help:
	@echo "Targets:"
	@echo "  make run           install, migrate, load the demo city on first run, serve on http://$(HOST):$(PORT)"
	@echo "  make test          install what the tests need (Python packages, Node and npm for axe-core,"
	@echo "                     Debian's chromium), run the quality gates (make lint), then the whole suite"
	@echo "  make lint          the quality gates alone: ruff check, ruff format --check, mypy, import-linter"
	@echo "  make dev           Flask/Dash development server with debug on (explicit opt-in)"
	@echo "  make bench         import, scorecard and page benchmarks on scratch databases (prints figures)"
	@echo "  make install       the virtual environment in $(VENV) with the app's pinned requirements"
	@echo "  make install-test  install plus the test requirements, Node/npm with axe-core, and chromium"
	@echo "  make system-test-deps  Debian's chromium for the browser tests (apt-get), if missing"
	@echo "  make migrate       install, then migrate the database to the latest schema"
	@echo "  make seed          migrate, then load the demo city if the database holds no measures"
	@echo "  make requirements  compile requirements.txt and requirements-test.txt from the *.in files"
	@echo "  make clean         remove $(VENV), node_modules and the pytest cache"
	@echo "  make help          this list"
	@echo "Variables (make VAR=value target):"
	@echo "  HOST=$(HOST) PORT=$(PORT) WORKERS=$(WORKERS)   where make run and make dev listen; gunicorn workers"
	@echo "  PYTHON=$(PYTHON)   the Python 3.11 that creates $(VENV)"
	@echo "  AIM_TEST_DATABASE_URL=$(AIM_TEST_DATABASE_URL)   PostgreSQL for make test"
	@echo "  AIM_BENCH_DATABASE_URL=$(AIM_BENCH_DATABASE_URL)   scratch PostgreSQL for make bench"
	@echo "  AIM_BENCH_REDIS_URL=$(AIM_BENCH_REDIS_URL)   Redis for make bench's two-worker sign-ins"
	@echo "  BENCH_FLAGS=$(BENCH_FLAGS)   extra options of make bench, e.g. --lighthouse"
	@echo "  PIP_COMPILE_FLAGS=$(PIP_COMPILE_FLAGS)   extra options of make requirements, e.g. --upgrade-package dash"
	@echo "Settings of the app itself are AIM_* environment variables: see the README."

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	@# XStatic-Bootstrap exists only as an sdist whose setup.py imports pkg_resources: build it with
	@# the pinned setuptools (below 81, see requirements.in) instead of an isolated, newer one.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check "$$(grep -i '^setuptools==' requirements.txt)"
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

# The quick static checks, each at 0 findings (configured in pyproject.toml): lint, formatting,
# types, and the layer contracts of ../shared/ARCHITECTURE.md.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports --no-logo

# The gates first: they take seconds, the suite minutes. Whole files go to each worker in the order
# tests/conftest.py gives them (the slowest first), which --no-loadscope-reorder keeps.
test: install-test lint
	$(BIN)/python -m pytest -n auto --dist loadfile --no-loadscope-reorder

# Edit requirements.in or requirements-test.in, then run this; the current pins are kept unless an
# .in file asks for another version (add --upgrade-package NAME to PIP_COMPILE_FLAGS to move one).
PIP_COMPILE_FLAGS ?=
PIP_COMPILE := CUSTOM_COMPILE_COMMAND="make requirements" $(BIN)/pip-compile --quiet --allow-unsafe \
	--strip-extras --no-emit-index-url --no-emit-find-links --no-build-isolation $(PIP_COMPILE_FLAGS)
requirements: $(VENV)/.installed-test
	$(PIP_COMPILE) --output-file requirements.txt requirements.in
	$(PIP_COMPILE) --output-file requirements-test.txt requirements-test.in

# Scratch databases only: a SQLite file in a temporary folder, and PostgreSQL's aim_bench when the
# server answers. Prints Markdown tables for docs/benchmarks.md. BENCH_FLAGS=--lighthouse adds
# Lighthouse scores (npx fetches lighthouse from npm; Debian's chromium runs it).
AIM_BENCH_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/aim_bench
# Redis for the sign-in and crowd benchmarks (a scratch database: the crowd benchmark empties it;
# not 15, which the tests use).
AIM_BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
export AIM_BENCH_REDIS_URL
BENCH_FLAGS ?=
bench: install
	@# ab (ApacheBench) loads the pages in the crowd benchmark (aim/bench_load.py).
	@command -v ab >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq apache2-utils >/dev/null; }
	$(BIN)/python -m aim bench $(BENCH_FLAGS) $$(pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null && \
		echo "--postgres-url $(AIM_BENCH_DATABASE_URL)")

clean:
	rm -rf $(VENV) .pytest_cache node_modules
