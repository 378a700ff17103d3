# sellerhealth: every target installs what it needs into .venv first (only Python 3.11 is assumed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install demo test ui lint bench robustness clean

# make bench BENCH_ARGS="--days 90 --orders-per-day 2000" for a smaller run; see pipelines/bench.py
BENCH_ARGS ?=

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(DAGSTER_HOME): dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# The demo's run is recorded in .dagster_home/, where `make ui` shows it.
demo: install $(DAGSTER_HOME)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/sellerhealth demo

# The report's browser test needs Debian's chromium; installed here when missing (needs apt, as root).
test: install
	command -v chromium >/dev/null 2>&1 || apt-get install -y chromium >/dev/null || echo "note: no chromium: the report's browser test will be skipped"
	$(BIN)/python -m pytest -q

# Bad input, fuzzing (3,000 mutated files; `make test` runs 300), killed runs, a dead S3 endpoint, locks,
# a full disk, disk footprint: prints cases tried, faults injected, rows lost. docs/robustness.md
robustness: install
	SELLERHEALTH_FUZZ_CASES=$${SELLERHEALTH_FUZZ_CASES:-3000} $(BIN)/python -m pytest tests/robustness -q -p no:cacheprovider

ui: install $(DAGSTER_HOME)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python -m pipelines.bench $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check pipelines data_contracts tests
	$(BIN)/ruff format --check pipelines data_contracts tests

clean:
	rm -rf $(VENV) warehouse .dagster_home dbt_project/target dbt_project/logs
