# Shanshui: `make run` sets up everything and serves the app; `make test` runs the whole suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint format setup migrate demo messages check bench clean

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
	@echo ""
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
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/ledger_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/complaints_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/reports_bench.py
	$(BIN)/python bench/monitoring_compute_bench.py
	$(BIN)/python bench/directives_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/monitoring_load_bench.py
	DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python bench/carbon_bench.py

clean:
	rm -rf $(VENV) var/static .pytest_cache
