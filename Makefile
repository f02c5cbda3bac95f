# The README's commands. `make demo` runs the pipeline on generated sample data;
# `make test` runs every check CI runs. Both set up .venv themselves.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

export DBT_PROFILES_DIR := $(CURDIR)
export RFM_DUCKDB_PATH ?= warehouse/rfm.duckdb
export DBT_SEND_ANONYMOUS_USAGE_STATS := false

DEMO_EVENTS ?= 1000000
DEMO_DATA := data/uploads
TEST_EVENTS ?= 20000

.PHONY: help demo test lint dbt-test pytest sample-data dashboard screenshots metrics docs bench clean

help:
	@echo "make demo   - build the project on generated sample data, print segments"
	@echo "make test   - lint, dbt build on dirty test data, pytest"
	@echo "make lint   - sqlfluff on models and dbt tests"
	@echo "make metrics     - a sample MetricFlow query on the demo warehouse"
	@echo "make bench       - full and incremental builds vs DuckDB's floor (EVENTS=10000000)"
	@echo "make docs        - build and serve the dbt docs site (DOCS_PORT, default 8080)"
	@echo "make dashboard   - Streamlit dashboard on the demo warehouse (PORT, default 8501)"
	@echo "make screenshots - every dashboard page in headless Chromium, PNGs in screenshots/"
	@echo "make clean  - remove .venv, target, logs, warehouse and data"

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@# The httpfs/aws DuckDB extensions ship as PyPI wheels; install them offline.
	$(BIN)/python -m exporters.duckdb_extensions
	touch $@

$(DEMO_DATA): | $(STAMP)
	$(BIN)/rfm-sample-data --events $(DEMO_EVENTS) --out data

sample-data: $(DEMO_DATA)

demo: $(STAMP) $(DEMO_DATA)
	@mkdir -p $(dir $(RFM_DUCKDB_PATH))
	$(BIN)/dbt build --quiet
	$(BIN)/python -m exporters.summary

# The dbt templater compiles the project; it gets a throwaway DuckDB file.
lint: $(STAMP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	RFM_DUCKDB_PATH="$$tmp/lint.duckdb" $(BIN)/sqlfluff lint models tests/dbt analyses snapshots

# dbt build (models and every data/unit test, the ci_only ones too) on generated
# data with malformed rows of every kind, into a throwaway DuckDB file.
dbt-test: $(STAMP)
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(BIN)/rfm-sample-data --events $(TEST_EVENTS) --dirty 0.05 --out "$$tmp/data"; \
	RFM_DUCKDB_PATH="$$tmp/test.duckdb" RFM_DUCKDB_TEMP_DIRECTORY="$$tmp/spill" \
	$(BIN)/dbt build --quiet --selector ci --target-path "$$tmp/target" --log-path "$$tmp/logs" \
	    --vars "{raw_events_path: '$$tmp/data/uploads/*.csv', \
	             clickstream_path: '$$tmp/data/clickstream/*.jsonl'}"; \
	echo "dbt build on $(TEST_EVENTS) dirty sample events: ok"

# One worker per core (pytest-xdist); a test file runs whole on one worker, so
# a module's shared warehouse is built once. PYTEST_WORKERS=0: no workers.
PYTEST_WORKERS ?= 2

pytest: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile

test: lint dbt-test pytest

PORT ?= 8501

dashboard: $(STAMP)
	$(BIN)/streamlit run dashboard/app.py --server.port $(PORT) --server.headless true \
	    --browser.gatherUsageStats false

# Needs Debian's chromium and chromium-driver (installed here when missing).
screenshots: $(STAMP)
	@command -v chromium >/dev/null || (apt-get update -qq && apt-get install -y -qq chromium chromium-driver)
	$(BIN)/python dashboard/screenshots.py --out screenshots

# Figures, not a test: run on an idle machine. Appends to bench/results.md.
bench: $(STAMP)
	$(BIN)/python bench/run_bench.py

DOCS_PORT ?= 8080

docs: $(STAMP)
	@mkdir -p $(dir $(RFM_DUCKDB_PATH))
	$(BIN)/dbt docs generate --quiet
	$(BIN)/dbt docs serve --port $(DOCS_PORT) --no-browser

# MetricFlow lives in its own venv: it wants a newer click than dbt-core 1.11's.
MF_VENV := .venv-metrics
MF_STAMP := $(MF_VENV)/.installed-stamp

$(MF_STAMP):
	$(PYTHON) -m venv $(MF_VENV)
	$(MF_VENV)/bin/pip install --quiet dbt-core==1.11.16 dbt-duckdb==1.11.1 \
	    duckdb==1.5.5 dbt-metricflow==0.15.0
	touch $@

metrics: $(MF_STAMP)
	@test -f $(RFM_DUCKDB_PATH) || (echo "no warehouse at $(RFM_DUCKDB_PATH): run make demo first" >&2; exit 1)
	$(MF_VENV)/bin/dbt parse --quiet
	$(MF_VENV)/bin/mf query --metrics customers,revenue,average_order_value \
	    --group-by customer__rfm_segment --order -revenue

clean:
	rm -rf $(VENV) $(MF_VENV) target logs warehouse data
