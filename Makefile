# The two commands a newcomer needs: `make run` and `make test`. Both are idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
export HOST PORT

.PHONY: run test fuzz bench bench-scale bench-profile lint openapi migrate lock audit clean

$(BIN)/python:
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ is required"'
	$(PYTHON) -m venv $(VENV)

# Installs exactly the locked versions (requirements-dev.lock), then the project itself.
$(VENV)/.installed: pyproject.toml requirements-dev.lock | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements-dev.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

## Create the virtualenv, migrate ./var/aftercare.db, seed demo data when empty, serve on :8000
run: $(VENV)/.installed
	AFTERCARE_ENV=$${AFTERCARE_ENV:-dev} $(BIN)/aftercare migrate
	AFTERCARE_ENV=$${AFTERCARE_ENV:-dev} $(BIN)/aftercare seed-demo
	@echo "Swagger UI: http://$(HOST):$(PORT)/docs"
	AFTERCARE_ENV=$${AFTERCARE_ENV:-dev} $(BIN)/aftercare serve --host $(HOST) --port $(PORT)

## Run the whole suite on SQLite, then on PostgreSQL (required when CI=true)
test: $(VENV)/.installed
	$(BIN)/python scripts/run_tests.py

## Fuzz the API against its own OpenAPI as each role, on PostgreSQL (docs/fuzzing.md)
fuzz: $(VENV)/.installed
	$(BIN)/python scripts/fuzz.py

## Aftercare against a bare FastAPI + asyncpg floor with wrk, on 127.0.0.1 (bench/RESULTS.md)
BENCH_ARGS ?=
bench: $(VENV)/.installed
	$(BIN)/python bench/run.py $(BENCH_ARGS)

## Where one scenario's CPU goes under load (pyinstrument; bench/PROFILE.md)
SCENARIO ?= get
bench-profile: $(VENV)/.installed
	$(BIN)/python bench/profile.py $(SCENARIO)

## Every list query at 10,000 and 1,000,000 orders, with query plans (bench/scale.py, ~10 min)
SCALE_ARGS ?=
bench-scale: $(VENV)/.installed
	$(BIN)/python bench/scale.py $(SCALE_ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

openapi: $(VENV)/.installed
	AFTERCARE_ENV=$${AFTERCARE_ENV:-dev} $(BIN)/aftercare openapi

migrate: $(VENV)/.installed
	AFTERCARE_ENV=$${AFTERCARE_ENV:-dev} $(BIN)/aftercare migrate

## Re-pin every dependency after editing pyproject.toml (pip-tools): runtime and dev lock files
LOCK_FLAGS := -q --strip-extras --no-emit-index-url --no-emit-find-links --allow-unsafe
lock: $(VENV)/.installed
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -o requirements-dev.lock pyproject.toml

## Known vulnerabilities in the locked set (pip-audit)
audit: $(VENV)/.installed
	$(BIN)/pip-audit --no-deps --disable-pip --progress-spinner off -r requirements-dev.lock

clean:
	rm -rf $(VENV) var
