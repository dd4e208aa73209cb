# The front door. `make run`: set up and serve the app with demo data (SQLite, Celery eager).
# `make test`: set up and pass the whole test suite (PostgreSQL/Redis when DATABASE_URL/REDIS_URL are set).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
CONSTRAINTS := requirements/constraints.txt
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest processes for the suite (pytest-xdist); the fault tests (tests/faults/, timed figures under
# killed processes) and the multi-node test (tests/multinode/: two web nodes, two workers, two beats)
# then run on their own, so the rest of the suite does not skew their clocks or share their cores.
TEST_WORKERS ?= 2

.PHONY: run reset-demo install browser-deps serve test lint messages lock clean bench bench-small bench-tools bench-import

$(VENV)/.installed: pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Reship needs Python >= 3.11 (set PYTHON=python3.11)")'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -c $(CONSTRAINTS) -e ".[test]"
	touch $@

install: $(VENV)/.installed

# What the browser tests inject into pages (axe-core for the crawl's accessibility check), from the
# npm registry at the versions in tests/browser/package-lock.json, into tests/browser/node_modules.
BROWSER_DEPS := tests/browser/node_modules/.installed
$(BROWSER_DEPS): tests/browser/package.json tests/browser/package-lock.json
	@command -v npm >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm)
	cd tests/browser && npm ci --no-audit --no-fund --loglevel=error
	touch $@

browser-deps: $(BROWSER_DEPS)

# The address links in emails, the inbox and the printed logins use: the one served (0.0.0.0 is
# read as this machine), unless SITE_URL is set.
SITE_URL ?= http://$(if $(filter 0.0.0.0,$(HOST)),127.0.0.1,$(HOST)):$(PORT)
RUN_ENV := SITE_URL=$(SITE_URL)

# The periodic jobs (sweeper and retries, SLA reminders, surveys, purges) run beside the server in a
# second process, stopped when the server stops (Ctrl-C, or runserver exiting).
run: install
	$(RUN_ENV) $(PY) manage.py migrate --noinput
	$(RUN_ENV) $(PY) manage.py load_demo_data
	$(RUN_ENV) $(PY) manage.py run_periodic & pid=$$!; trap 'kill $$pid 2>/dev/null' EXIT INT TERM; \
	$(RUN_ENV) $(PY) manage.py runserver $(HOST):$(PORT)

# Start the demo again from nothing: the database and uploaded files go, the installed .venv stays.
reset-demo:
	rm -rf var db.sqlite3

test: install browser-deps
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) manage.py makemigrations --check --dry-run
	$(PY) -m pytest -n $(TEST_WORKERS) --ignore=tests/faults --ignore=tests/multinode
	$(PY) -m pytest tests/faults tests/multinode

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

# The benchmark (bench/, README "Benchmark"): build a PostgreSQL database at full scale (1M orders,
# 200k requests) or small scale (1/100), then serve it with gunicorn + Celery + Redis and drive it
# with wrk. DATABASE_URL picks the database (default postgres://postgres@127.0.0.1:5432/reship_bench,
# reship_bench_small for bench-small); it is dropped and re-created, so its name must contain "bench".
bench: install bench-tools
	$(PY) -m bench.load --scale full
	$(PY) -m bench.statements --scale full
	$(PY) -m bench.run --scale full

bench-small: install bench-tools
	$(PY) -m bench.load --scale small
	$(PY) -m bench.statements --scale small
	$(PY) -m bench.run --scale small

# Issue 8's import figure: a 100,000-row platform export with a few bad rows through the order
# import's Celery task in its own worker process; prints time and peak memory (≤ 60 s, ≤ 300 MB).
bench-import: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reship_bench_import} $(PY) -m bench.import_orders --rows 100000

# The HTTP load generator, from Debian's packages, on a machine that lacks it.
bench-tools:
	@command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk)

# Extract and compile translations after changing user-facing strings.
messages: install
	$(PY) manage.py makemessages --locale zh_Hans --ignore '.venv/*' --no-obsolete
	$(PY) manage.py compilemessages --locale zh_Hans --ignore '.venv/*'

# Refresh the pinned versions (commit the result).
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet -e ".[test]"
	.lock-venv/bin/pip freeze --exclude-editable | grep -v '^-e' > $(CONSTRAINTS)
	rm -rf .lock-venv

# Everything `make run` and `make install` made: the .venv, the database, uploaded files.
clean: reset-demo
	rm -rf $(VENV)
