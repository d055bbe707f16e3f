# Two entry points: `make run` (install + serve with sandbox emulators) and `make test`
# (install everything, including system packages, then lint, type-check and test).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck schema-check pytest test-variants test-live sandbox bench install system-deps clean

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

test: $(STAMP) system-deps lint typecheck schema-check pytest test-variants

# `pytest` runs everything with the emulators answering the documented minimum (the default of
# SANDBOX_VARIANTS). These seeds, with it, reach every answer of every open wire choice
# (sandbox/variants.py); under each, the suites that talk to the emulators run again.
VARIANT_SEEDS ?= random:1 random:16 random:37
VARIANT_SUITES := tests/adapters/engage/test_backend.py tests/adapters/engage/test_reads.py \
	tests/adapters/engage/test_job_reads.py tests/adapters/engage/test_order_writes.py \
	tests/adapters/engage/test_status_changes.py tests/adapters/engage/test_deletes.py \
	tests/adapters/engage/test_actions.py tests/adapters/engage/test_faults.py \
	tests/adapters/engage/test_sending.py tests/gateway/e2e/test_write_outcomes.py \
	tests/gateway/e2e/test_partial_orders.py tests/gateway/e2e/test_write_retries.py \
	tests/adapters/expertsender/test_backend.py tests/adapters/expertsender/test_faults.py \
	tests/gateway/e2e/test_mutations.py tests/gateway/e2e/test_queries.py \
	tests/gateway/e2e/test_subscriptions.py tests/gateway/e2e/test_shared_state.py \
	tests/gateway/e2e/test_shared_state_faults.py tests/gateway/e2e/test_n_plus_one.py \
	tests/gateway/e2e/test_bad_input.py tests/test_live_suite.py

test-variants: $(STAMP)
	bash scripts/test-variants.sh $(BIN)/pytest "$(VARIANT_SEEDS)" $(VARIANT_SUITES)

# The Backend contract against the tenants ENGAGE_* / EXPERTSENDER_* and LIVE_*_CONTACT_EMAIL
# name (README: "Checking against your own tenant"); a vendor not configured is skipped.
test-live: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider tests/live

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
