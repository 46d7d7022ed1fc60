# The README's commands. Each target does its own set-up (virtualenv, install, migrate).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: run test lint migrate seed worker clean

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-* && touch $(STAMP)

venv: $(STAMP)

## make run: the app with demo data on embedded defaults (SQLite + SQLite-backed Celery broker).
run: export DEBUG ?= true
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

## make test: lint, migration check and the whole pytest suite.
test: export SECRET_KEY ?= test-only-secret-key
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings_test $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) var staticfiles
