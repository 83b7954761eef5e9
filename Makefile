# Ductwork: two commands do everything — `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run test intents lint format bench install record-histories fuzz clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): pyproject.toml client/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ./client -e '.[dev]'
	touch $(STAMP)

# The benchmarks' comparison tools (dlt) are installed only when benchmarks run.
$(BENCH_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e ./client -e '.[dev,bench]'
	touch $(BENCH_STAMP)

install: $(STAMP)

## Start the embedded stack: Temporal dev server + Web UI, worker, API (Ctrl-C stops all three).
run: $(STAMP)
	$(BIN)/ductwork up

## Run the whole test suite against the real Temporal server and the machine's databases.
## Each of TEST_WORKERS processes has its own Temporal dev server, store and scratch databases.
TEST_WORKERS ?= 2
test: $(STAMP)
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile

## The whole intent suite (tests/generation/intents/README.md): the tuning half, the held-out
## half and the development sets, each generated pipeline run through the worker; each set's
## report lands in $(INTENTS_REPORT_DIR), and one line per set sums them up at the end.
INTENTS_REPORT_DIR ?= .intents-report
intents: $(STAMP)
	rm -rf $(INTENTS_REPORT_DIR)
	INTENTS_REPORT_DIR=$(INTENTS_REPORT_DIR) $(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile \
		-m "" tests/generation/intents; status=$$?; \
		$(BIN)/python -m tests.generation.intents.summary $(INTENTS_REPORT_DIR); exit $$status

## Lint: ruff, mypy over the product packages ([tool.mypy]), and the layer contracts
## ([tool.importlinter]: each layer imports only downward).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## Benchmarks print figures next to a baseline measured in the same run: the five speed goals
## through the `make run` stack, one table per goal and a summary line each (bench/README.md).
## Goal 3's matrix includes Kafka → PostgreSQL (bench.kafka_to_pg's broker, raw loop and runs).
## bench.pg_to_pg, bench.scale and bench.files_write run on their own (python -m bench.<name>).
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.goals

## Re-record the replay histories (on purpose only: the replay tests guard compatibility).
record-histories: $(STAMP)
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/replay/record_histories.py \
		tests/replay/record_lifecycle_histories.py tests/replay/record_local_bookkeeping.py
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/workflows/test_notify.py -k third_attempt
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/api/test_nl_query.py tests/api/test_data_ai.py -k workflow
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/generation/test_generate_api.py -k generation_workflows
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/workflows/test_cancel_honesty.py -k "postgres and append"
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/kafka/test_kafka_targets.py
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/conformance/test_batch_pipelines_api.py
	RECORD_HISTORIES=1 $(BIN)/pytest -q tests/workflows/test_late_cancels.py

## Fuzz the API from its OpenAPI document (schemathesis, real uvicorn): no request gets a 5xx.
## FUZZ_MAX_EXAMPLES (per operation, default 25), FUZZ_PHASES, FUZZ_SEED tune it.
fuzz: $(STAMP)
	FUZZ_MAX_EXAMPLES=$${FUZZ_MAX_EXAMPLES:-25} FUZZ_PHASES=$${FUZZ_PHASES:-examples,coverage,fuzzing} \
		$(BIN)/pytest -q -s --timeout 3600 tests/test_fuzz.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
