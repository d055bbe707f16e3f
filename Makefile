# Two entry points: `make run` (install + serve with sandbox emulators) and `make test`
# (install everything, including system packages, then lint, type-check and test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck schema-check pytest sandbox bench install system-deps clean

run: $(STAMP)
	$(BIN)/order-gateway serve

sandbox: $(STAMP)
	$(BIN)/order-gateway sandbox

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

system-deps:
	bash scripts/install-system-deps.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy adapters gateway sandbox tests bench

schema-check: $(STAMP)
	$(BIN)/order-gateway export-schema --check schema.graphql

pytest: $(STAMP)
	$(BIN)/pytest -q -n auto

test: $(STAMP) system-deps lint typecheck schema-check pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
