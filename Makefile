# The two commands: `make run` (demo site on http://127.0.0.1:8000) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Stamps: dependencies are installed again only when pyproject.toml changes.
$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ".[test]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/python manage.py up

# The suite runs in parallel (pytest-xdist): each worker gets its own test database.
# Tests marked with one xdist_group (a shared server, for instance) stay on one worker.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup

test: $(VENV)/.installed-test
	scripts/test-services.sh
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(PYTEST) -m "not scaleout"
	# PostgreSQL, plus the scale-out suite: two gunicorn nodes on PostgreSQL, Redis and S3 (moto).
	DATABASE_URL=postgres://civic:civic@127.0.0.1:5432/civic $(PYTEST) -q \
	  -m "(not e2e and not own_database) or scaleout"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check . && $(BIN)/ruff format --check . && $(BIN)/lint-imports

# Figures on big data (a separate database in data/bench), served as in production.
bench: $(VENV)/.installed-test
	DATA_DIR=$(CURDIR)/data/bench DEBUG=false SECRET_KEY=bench-only-not-a-secret-0123456789abcdef \
	  ALLOWED_HOSTS=127.0.0.1,localhost SECURE_SSL_REDIRECT=false LOG_LEVEL=WARNING \
	  $(BIN)/python manage.py bench
