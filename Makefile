# Patternwork: `make run` serves the demo, `make test` runs every check. Nothing else is needed.
SHELL := /bin/bash
.DEFAULT_GOAL := help
.PHONY: help run install install-test test test-fast lint fmt check bench sbom scale-test soak

PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 2

# uv uses the machine's Python and never downloads one.
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_CACHE_DIR ?= $(CURDIR)/.tools/cache
# Installed packages are compiled once, at install, instead of at every start of a process.
export UV_COMPILE_BYTECODE := 1

# The instance's files (database, keys, static files). Settings find the keys here by
# themselves, so every manage.py command works from a plain shell too.
VAR_DIR := $(or $(PATTERNWORK_VAR_DIR),$(CURDIR)/var)

help:
	@echo "make run   install, migrate, load the demo practice and serve on http://$(HOST):$(PORT)"
	@echo "make test  install test tools and run every check (SQLite, then PostgreSQL 15)"
	@echo "make sbom  write a CycloneDX SBOM of the locked runtime dependencies to $(SBOM)"
	@echo "make bench time the service report, list throughput, write cost and pages (needs wrk)"
	@echo "make scale-test  PostgreSQL, 2 gunicorn instances, a worker and nginx (TLS) on loopback;"
	@echo "                 200 locust users for 3 minutes, one instance killed midway (~10 min;"
	@echo "                 installs nginx with apt-get if missing). Not part of make test."
	@echo "make soak  20 kill -9 runs of gunicorn on SQLite under 8 writers; no acknowledged write lost"

$(UV):
	$(PYTHON) scripts/bootstrap_uv.py $(UV_VERSION) $(UV)

install: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON)

install-test: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON) --group test

# make run: a single process on SQLite (WAL) under var/, plain HTTP on loopback.
run: export PATTERNWORK_HTTPS ?= false
run: export ALLOWED_HOSTS ?= 127.0.0.1,localhost
run: export PATTERNWORK_BASE_URL ?= http://$(HOST):$(PORT)
run: install
	$(PY) scripts/ensure_keys.py $(VAR_DIR)
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0
	$(PY) manage.py check --database default --fail-level ERROR
	$(PY) manage.py seed_demo
	@echo "Serving Patternwork on http://$(HOST):$(PORT)/ (Ctrl-C to stop); emailed links start with $$PATTERNWORK_BASE_URL"
	@# The background worker (reminders and other messages, printed to this console by the
	@# console email backend) runs beside gunicorn and stops with it: the trap ends it when
	@# gunicorn exits, however it exits. gunicorn is not exec'd, so the shell stays to run it.
	@$(PY) manage.py run_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT; \
	$(VENV)/bin/gunicorn patternwork.wsgi:application --bind $(HOST):$(PORT) \
		--workers $(WORKERS) --access-logfile - --error-logfile -

# Production-like environment for `check --deploy`: throwaway values, never used to serve.
DEPLOY_ENV := DJANGO_SETTINGS_MODULE=patternwork.settings SECRET_KEY_FILE= \
	SECRET_KEY=deploy-check-$(shell head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n') \
	PATTERNWORK_ENCRYPTION_KEYS_FILE= \
	PATTERNWORK_ENCRYPTION_KEYS=ZGVwbG95LWNoZWNrLWtleS0tMzItYnl0ZXMtbG9uZyE= \
	ALLOWED_HOSTS=patternwork.example.org PATTERNWORK_BASE_URL=https://patternwork.example.org \
	PATTERNWORK_HTTPS=true DEBUG=false

# PYTHONDONTWRITEBYTECODE is emptied (set but empty counts as unset) so that our modules and
# pytest's rewritten test modules are compiled once and reused by the next process and run.
TEST_ENV := DJANGO_SETTINGS_MODULE=patternwork.settings_test SECRET_KEY_FILE= \
	PATTERNWORK_ENCRYPTION_KEYS_FILE= PYTHONDONTWRITEBYTECODE=

lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

check: install-test
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py lintmigrations --quiet ok ignore
	$(DEPLOY_ENV) $(PY) manage.py check --deploy --fail-level WARNING

test: lint check
	@scripts/ensure_browser.sh
	@echo "== pytest on SQLite =="
	$(TEST_ENV) $(VENV)/bin/pytest -n 2
	@echo "== pytest on PostgreSQL 15 (database tests, throwaway server) =="
	$(TEST_ENV) PATTERNWORK_DB_TESTS_ONLY=1 $(PY) scripts/with_postgres.py -- $(VENV)/bin/pytest -n 2

# The fast layer: no browser, no PostgreSQL, no started process or DuckDB (marked slow).
test-fast: install-test
	$(TEST_ENV) $(VENV)/bin/pytest -n 2 -q -m "not e2e and not slow"

fmt: install-test
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

# The SBOM lists the runtime dependencies pinned in uv.lock, with their hashes; it needs no
# network (uv exports from the lock file, cyclonedx-py reads the export).
SBOM ?= build/sbom.cdx.json
sbom: install-test
	@mkdir -p $(dir $(SBOM))
	$(UV) export --frozen --no-dev --no-emit-project --format requirements.txt --quiet \
		-o $(dir $(SBOM))requirements.lock.txt
	$(VENV)/bin/cyclonedx-py requirements $(dir $(SBOM))requirements.lock.txt \
		--pyproject pyproject.toml --mc-type application --of JSON --output-reproducible \
		-o $(SBOM)
	@echo "SBOM written to $(SBOM)"

# BENCH_ARGS="--courses 20000" for a quick run; the default is 1,000,000 courses.
# One part alone: BENCH_ARGS="write", or BENCH_ARGS="pages --write" (the pages under load
# against a ceiling app, written into bench/RESULTS.md). The pages part needs wrk, the HTTP
# load generator: `apt-get install wrk` on Debian or Ubuntu.
bench: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON) --group test --group bench
	@command -v wrk >/dev/null || echo "wrk is missing: the pages part will stop (apt-get install wrk)"
	$(TEST_ENV) $(PY) bench/run.py $(BENCH_ARGS)

# The production topology on loopback under load (bench/scale.py): not part of `make test`.
# SCALE_ARGS="--users 50 --minutes 1" for a quick run.
scale-test: $(UV)
	$(UV) sync --frozen --inexact --python $(PYTHON) --group test --group scale
	$(TEST_ENV) $(PY) scripts/with_postgres.py -- $(PY) bench/scale.py $(SCALE_ARGS)

# kill -9 of gunicorn on SQLite under concurrent writers, 20 runs (bench/soak.py); `make test`
# runs a 3-run version (tests/test_soak.py).
soak: install-test
	$(TEST_ENV) $(PY) bench/soak.py $(or $(SOAK_ARGS),--runs 20)
