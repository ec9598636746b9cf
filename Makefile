# Shanshui: `make run` sets up everything and serves the app; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format setup migrate demo messages check bench clean e2e load drill-postgres drill-worker drill-media audit

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the lock file or the project metadata change.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements.lock
	@touch $(STAMP)

setup: $(STAMP)
	@mkdir -p var

migrate: setup
	DEBUG=true $(BIN)/python manage.py migrate --no-input

demo: migrate
	DEBUG=true $(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "  Shanshui is starting at http://$(HOST):$(PORT)/"
	@echo "  Demo logins (password shanshui-demo): office, wanzhou, yuzhong, sthjj, leader, admin"
	@echo "  A background worker (manage.py run_worker) runs beside it; Ctrl+C stops both."
	@echo ""
	DEBUG=true $(BIN)/python manage.py run_worker --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=true $(BIN)/python manage.py runserver $(HOST):$(PORT)

# The suite in parallel: one pytest-xdist worker per core, each with its own test database, each
# test file on one worker, and the browser tests together (shanshui/conftest.py).
# `make test XDIST=` runs it in one process.
XDIST ?= -n auto --dist loadfile
test: setup
	$(BIN)/python -m pytest $(XDIST) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

check: setup
	DEBUG=true $(BIN)/python manage.py makemigrations --check --dry-run
	DEBUG=true $(BIN)/python manage.py check

# Regenerate the translation catalogue after changing UI strings (needs GNU gettext),
# then translate the new entries in locale/zh_Hans/LC_MESSAGES/django.po and compile.
messages: setup
	DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans --no-obsolete --add-location file -i ".venv/*" -i "var/*"
	DEBUG=true $(BIN)/python manage.py compilemessages -l zh_Hans --ignore=".venv/*"

# Benchmarks on PostgreSQL in a scratch database that is dropped and recreated (see
# docs/benchmarks.md). Override BENCH_DATABASE_URL to point elsewhere.
BENCH_DB ?= shanshui_bench
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/$(BENCH_DB)
bench: setup
	psql "$(dir $(BENCH_DATABASE_URL))postgres" -q -c "DROP DATABASE IF EXISTS $(BENCH_DB)" -c "CREATE DATABASE $(BENCH_DB)"
	# The benchmarks render pages with DEBUG off, which serves hashed static names from the manifest.
	$(BIN)/python manage.py collectstatic --no-input -v 0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/ledger_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/complaints_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/reports_bench.py
	$(BIN)/python bench/monitoring_compute_bench.py
	$(BIN)/python bench/directives_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/monitoring_load_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/carbon_bench.py

# Two app hosts behind nginx, with PgBouncer, Redis, the object store and the worker, all in a
# temporary directory on loopback ports (own PostgreSQL cluster); a browser walk through it, then
# everything torn down (docs/deployment.md). Installs Debian's nginx and pgbouncer when absent.
e2e: setup
	bash deploy/e2e/run.sh

# Locust against that stack: LOAD_USERS (200) for LOAD_DURATION (10m); not in CI. Table and CSV
# under var/load/ (docs/benchmarks.md).
load: setup
	bash deploy/load/run.sh

# Fault drill: PostgreSQL stopped and started under traffic (DRILL_DIRECT=1: without PgBouncer).
drill-postgres: setup
	bash deploy/drills/postgres_restart.sh

# Fault drill: the worker killed (kill -9) in the middle of a 10,000-row ledger import.
drill-worker: setup
	bash deploy/drills/worker_kill.sh

# Fault drill: the object store (media) stopped and started again.
drill-media: setup
	bash deploy/drills/media_down.sh

# Known vulnerabilities in the pinned dependencies (requirements.lock), by pip-audit in a venv of
# its own under var/ (not one of the app's dependencies). Needs its vulnerability service (PyPI's,
# or AUDIT_ARGS="--vulnerability-service osv"); --strict fails when a package could not be looked
# up, so an unreachable service is never reported as "no known vulnerabilities". CI does not run
# it; operators do before a release and on a schedule (docs/deployment.md).
PIP_AUDIT_VERSION ?= 2.10.1
AUDIT_VENV := var/audit-venv
audit:
	@test -x $(AUDIT_VENV)/bin/pip-audit || { $(PYTHON) -m venv $(AUDIT_VENV) && \
		$(AUDIT_VENV)/bin/pip install --quiet pip-audit==$(PIP_AUDIT_VERSION); }
	$(AUDIT_VENV)/bin/pip-audit --requirement requirements.lock --require-hashes --disable-pip \
		--strict --progress-spinner off $(AUDIT_ARGS)

clean:
	rm -rf $(VENV) var/static .pytest_cache
