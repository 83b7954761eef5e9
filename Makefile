# Ductwork: two commands do everything — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test lint format bench install record-histories clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The benchmarks' comparison tools (dlt) are installed only when benchmarks run.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

## Start the embedded stack: Temporal dev server + Web UI, worker, API (Ctrl-C stops all three).
run: $(STAMP)
	$(BIN)/ductwork up

## Run the whole test suite against the real Temporal server and the machine's databases.
test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks print figures next to a baseline measured in the same run.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.pg_to_pg
	$(BIN)/python -m bench.scale

## Re-record the replay histories (on purpose only: the replay tests guard compatibility).
record-histories: $(STAMP)
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/replay/record_histories.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
