# The README's commands. Each target does its own set-up (virtualenv, install, migrate).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
CHROMIUM := /usr/bin/chromium

.PHONY: run test test-browser chromium screenshots bench simulate lint migrate seed worker clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

## make run: the app with demo data on embedded defaults (SQLite + SQLite-backed Celery broker).
run: export DEBUG ?= true
run: export LOG_FORMAT ?= console
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_pathway
	$(BIN)/python manage.py seed_demo
	@echo ""
	@echo "Demo logins (var/demo-logins.txt):"
	@sed 's/^/  /' $${WORKUP_VAR_DIR:-var}/demo-logins.txt
	@echo ""
	@echo "Workup is starting on http://127.0.0.1:8000/  (admin: /admin/). Ctrl-C stops everything."
	@echo ""
	$(BIN)/honcho start -f Procfile

## make test: lint, migration check and the whole pytest suite (browser tests included).
test: export SECRET_KEY ?= test-only-secret-key
test: $(STAMP)
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory chromium; \
	elif [ ! -x $(CHROMIUM) ]; then echo "note: no $(CHROMIUM), the browser tests will be skipped (make chromium installs it)"; fi
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## make test-browser: only the browser tests (headless Chromium against a live server).
test-browser: export SECRET_KEY ?= test-only-secret-key
test-browser: $(STAMP) chromium
	$(BIN)/python -m pytest -p no:cacheprovider tests/browser $(PYTEST_ARGS)

## make chromium: Debian's chromium for the browser tests and screenshots (apt-get, as root).
## Playwright drives this binary; it never downloads a browser of its own.
chromium:
	@test -x $(CHROMIUM) || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }
	@test -x $(CHROMIUM) || { echo "$(CHROMIUM) is still missing"; exit 1; }

## make screenshots: docs/screenshots/*.png of the board, a workup, the overdue dashboard and
## the reading form on a phone, from the demo data in a throw-away database.
screenshots: export SECRET_KEY ?= screenshots-only-secret-key
screenshots: $(STAMP) chromium
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
		WORKUP_VAR_DIR="$$tmp" WORKUP_SCREENSHOTS_DIR="$(CURDIR)/docs/screenshots" \
		$(BIN)/python -m pytest -q -p no:cacheprovider tests/browser/screenshots.py

## make bench: every benchmark target on PostgreSQL + Redis (BENCH_POSTGRES, BENCH_REDIS; defaults
## 127.0.0.1) -> docs/performance.md and docs/performance.json. Not part of make test. Installs
## requirements-bench.txt (locust) into the virtualenv first.
BENCH_STAMP := $(VENV)/.bench-installed-$(shell cksum requirements-bench.txt | cut -d' ' -f1)

$(BENCH_STAMP): $(STAMP) requirements-bench.txt
	$(BIN)/python -m pip install --quiet -r requirements-bench.txt
	rm -f $(VENV)/.bench-installed-* && touch $(BENCH_STAMP)

bench: export SECRET_KEY ?= bench-only-secret-key
bench: $(BENCH_STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## make simulate: the ward simulation (issue 14) on a throwaway database: 500 synthetic GBS courses x
## 14 days (seed 42) through the real services under a virtual clock, split over WORKERS processes
## -> docs/simulation.md, docs/simulation.json, docs/simulation/*.png. Not part of make test.
SIM_STAMP := $(VENV)/.sim-installed-$(shell cksum requirements-sim.txt | cut -d' ' -f1)
COURSES ?= 500
DAYS ?= 14
SEED ?= 42
WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
$(SIM_STAMP): $(STAMP) requirements-sim.txt
	$(BIN)/python -m pip install --quiet -r requirements-sim.txt
	rm -f $(VENV)/.sim-installed-* && touch $(SIM_STAMP)

simulate: export SECRET_KEY ?= simulation-only-secret-key
simulate: $(SIM_STAMP)
	$(BIN)/python manage.py simulate --courses $(COURSES) --days $(DAYS) --seed $(SEED) --workers $(WORKERS) \
		--report-dir docs

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
