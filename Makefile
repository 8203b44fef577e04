# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test lint format bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

## run: install, migrate, create the demo stores, start Redis (if REDIS_URL is unset), a Celery
## worker, Celery beat and the web server on http://$(HOST):$(PORT)/; Ctrl-C stops them all. On a
## database without any simulation run, the worker also simulates a 90-day history of the stores.
run: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py seed_demo
	$(BIN)/python manage.py run_sandbox --host $(HOST) --port $(PORT)

## test: the whole suite (browser tests skip when no Chromium is installed, unless CI=true).
test: install
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install
	$(BIN)/python benchmarks/simulation_write_path.py

clean:
	rm -rf var/test.sqlite3* .pytest_cache
