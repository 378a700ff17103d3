# sellerhealth: every target installs what it needs into .venv first (only Python 3.11 is assumed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)
DAGSTER_HOME := $(CURDIR)/.dagster_home

.PHONY: install install-spark demo spark-demo test test-spark ui lint bench robustness clean

# make bench BENCH_ARGS="--days 90 --orders-per-day 2000" for a smaller run; see pipelines/bench.py
BENCH_ARGS ?=

# The dbt manifest the Dagster definitions read is a build artifact (pipelines/defs/transform/project.py):
# prepared here, and again whenever a file of the dbt project changed. `dbt` is the one in .venv/bin.
MANIFEST := dbt_project/target/manifest.json
DBT_SOURCES := $(shell find dbt_project/dbt_project.yml dbt_project/profiles.yml dbt_project/models \
  dbt_project/seeds dbt_project/macros dbt_project/tests -type f 2>/dev/null)

install: $(STAMP) $(MANIFEST)

$(MANIFEST): $(STAMP) $(DBT_SOURCES)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/dagster-dbt project prepare-and-package --file pipelines/defs/transform/project.py
	touch $(MANIFEST)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# The Spark engine's extra (pyspark, dbt-spark): only the Spark targets install it (about 450 MB).
SPARK_STAMP := $(VENV)/.installed-spark-$(shell cksum pyproject.toml | cut -d' ' -f1)

install-spark: $(SPARK_STAMP)

$(SPARK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev,spark]"
	rm -f $(VENV)/.installed-spark-*
	touch $(SPARK_STAMP)

$(DAGSTER_HOME): dagster.yaml
	mkdir -p $(DAGSTER_HOME) && cp dagster.yaml $(DAGSTER_HOME)/dagster.yaml

# The demo's run is recorded in .dagster_home/, where `make ui` shows it.
demo: install $(DAGSTER_HOME)
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/sellerhealth demo

# The demo on Apache Spark: starts a standalone cluster (master + 2 workers), runs, stops it.
spark-demo: install-spark
	$(BIN)/python -m pipelines.spark_demo $(SPARK_DEMO_ARGS)

# The report's browser test needs Debian's chromium; installed here when missing (needs apt, as root).
test: install
	command -v chromium >/dev/null 2>&1 || apt-get install -y -qq chromium >/dev/null 2>&1 \
	  || (apt-get update -qq >/dev/null 2>&1 && apt-get install -y -qq chromium >/dev/null 2>&1) \
	  || echo "note: no chromium: the report's browser test will be skipped"
	$(BIN)/python -m pytest -q --ignore=tests/spark

# A real Spark standalone cluster (master + 2 workers on 127.0.0.1, Java 17): the same generated
# exports through both engines, every row of the marts compared (docs/spark.md).
test-spark: install-spark $(MANIFEST)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/spark

# Bad input, fuzzing (3,000 mutated files; `make test` runs 300), killed runs, a dead S3 endpoint, locks,
# a full disk, disk footprint: prints cases tried, faults injected, rows lost. The reader's regression
# test reads a generated year (`make test`: 45 days). docs/robustness.md
robustness: install
	SELLERHEALTH_FUZZ_CASES=$${SELLERHEALTH_FUZZ_CASES:-3000} \
	SELLERHEALTH_REGRESSION_DAYS=$${SELLERHEALTH_REGRESSION_DAYS:-366} \
	$(BIN)/python -m pytest tests/robustness -q -p no:cacheprovider

ui: install $(DAGSTER_HOME)
	PATH="$(CURDIR)/$(BIN):$$PATH" DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -w workspace.yaml

bench: install
	$(BIN)/python -m pipelines.bench $(BENCH_ARGS)

# SQL: sqlfluff with the dbt templater (dbt_project/.sqlfluff); `cd dbt_project && ../.venv/bin/sqlfluff fix
# models tests` applies its fixes. Compiling opens DuckDB: an in-memory one, never the warehouse.
lint: install
	$(BIN)/ruff check pipelines data_contracts tests
	$(BIN)/ruff format --check pipelines data_contracts tests
	cd dbt_project && WAREHOUSE_PATH=:memory: ../$(BIN)/sqlfluff lint models tests

clean:
	rm -rf $(VENV) warehouse .dagster_home dbt_project/target dbt_project/logs
