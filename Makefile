# Infusion Portal: the two front-door commands are `make run` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# make run and make test are for development: debug mode allows the SQLite/console fallbacks.
export DJANGO_DEBUG ?= 1

# The first Python >= 3.12 found: pyenv's (chosen by .python-version), then the usual names.
PYTHON ?= $(shell for c in python3.13 python3.12 \
	$$(ls -d $(HOME)/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null) python3 python; do \
	command -v $$c >/dev/null 2>&1 && $$c -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$c; break; }; done)

.PHONY: help install run test lint format lock clean which-python

help:
	@echo "make run    - install, migrate, load demo data and serve on http://127.0.0.1:8000"
	@echo "make test   - install and run the whole test suite"
	@echo "make lint   - ruff and mypy"
	@echo "make format - format the code with ruff"
	@echo "make lock   - re-resolve requirements.lock (production) and requirements-dev.lock"

$(STAMP): pyproject.toml requirements-dev.lock
	@if [ -z "$(PYTHON)" ]; then \
		echo "Infusion Portal needs Python 3.12 or newer (Django 6.1). Install it, or pass PYTHON=/path/to/python3.13." >&2; \
		exit 1; fi
	@echo "Creating $(VENV) with $(PYTHON)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes -r requirements-dev.lock
	@touch $(STAMP)

# Translation catalogs (issue 7: the portal in English and Spanish). The .mo files are
# build outputs (not committed): compiled from the .po sources whenever those change.
PO_FILES := $(wildcard locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

$(MO_FILES): %.mo: %.po $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=$(VENV) --ignore=node_modules

install: $(STAMP) $(MO_FILES)

# The local demo signs staff in without an authenticator app; `STAFF_MFA_REQUIRED=1 make run`
# turns MFA on. Tests and production keep the default (on); production refuses it off.
run: export STAFF_MFA_REQUIRED ?= 0
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@if [ -n "$$DATABASE_URL" ] && [ -n "$$REDIS_URL" ]; then \
		echo "Serving on http://127.0.0.1:8000 with a Celery worker and beat (Ctrl-C stops all)"; \
		exec $(BIN)/honcho -f Procfile.dev start; \
	else \
		echo "Serving on http://127.0.0.1:8000 (SQLite, tasks in process; Ctrl-C stops)"; \
		exec $(BIN)/python manage.py runserver 127.0.0.1:8000; \
	fi

test: install
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: install
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --generate-hashes --python-version 3.12 -o requirements.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --python-version 3.12 -o requirements-dev.lock

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache staticfiles
	rm -f $(MO_FILES)

which-python:
	@echo "$(PYTHON)"
