# partner-warehouse: `make run` builds the warehouse from PW_LANDING_DIR (unset: the bundled demo in
# data/demo/landing, generated there on first use), `make test` runs the tests.
# Every target sets up .venv first if it is missing or older than pyproject.toml.

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
PARTNERS ?= 2000
export DAGSTER_HOME

.PHONY: help run test snapshots dev docs manifest bench sample lint summary status backfill clean audit erase scorecards

help:  ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 12

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

run: $(STAMP)  ## build the warehouse from PW_LANDING_DIR (unset: the bundled demo, generated on first use)
	$(PY) -m orchestration.cli run

test: $(STAMP)  ## run the test suite (two processes, a test file each at a time: most of a build is one core's work)
	$(PY) -m pytest -n 2 --dist loadfile

snapshots: $(STAMP)  ## regenerate the asset-graph snapshot and the analyses' output in docs/analyst-guide.md
	PW_UPDATE_SNAPSHOTS=1 $(PY) -m pytest -q tests/test_asset_graph.py tests/test_analyses.py

dev: $(STAMP) manifest  ## open the Dagster UI (dg dev; code location partner_warehouse) at http://localhost:3000
	$(PY) -c "from orchestration.cli import ensure_dagster_home; ensure_dagster_home()"
	@# dg reads [tool.dg] in pyproject.toml and runs the code location in the venv it finds active.
	VIRTUAL_ENV="$(CURDIR)/$(VENV)" PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/dg dev

docs: $(STAMP)  ## dbt docs of the working warehouse at http://localhost:8080 (PORT=...; needs make run first)
	$(PY) -m orchestration.cli docs $(if $(PORT),--port $(PORT))

manifest: $(STAMP)  ## parse the dbt project (dbt_project/target/manifest.json)
	$(PY) -c "from settings import Settings; from warehouse.dbt import parse_project; parse_project(Settings.from_env())"

bench: $(STAMP)  ## stage times, peak memory and issue 14's target ratios at PARTNERS="300 2000" (sizes, one run)
	@# PARTNERS given on the command line or in the environment is the list of sizes; else the small default set.
	$(PY) -m benchmarks.run --partners $(if $(filter command line environment,$(origin PARTNERS)),$(PARTNERS),300 2000)

sample: $(STAMP)  ## write sample extracts into PW_LANDING_DIR, else the demo folder (PARTNERS, default 2000)
	@# The one way a sample reaches a configured landing zone: asked for by name. python -m sample's default --out is
	@# Settings.landing_dir (PW_LANDING_DIR, else data/demo/landing), so make and the module agree.
	$(PY) -m sample --partners $(PARTNERS)

backfill: $(STAMP)  ## rebuild FROM..TO (YYYY-MM-DD) from the landing archive, day by day
	$(PY) -m orchestration.cli backfill --from $(FROM) --to $(TO)

status: $(STAMP)  ## the last runs (files, rows, quarantined, dbt results, published?) and what failed
	$(PY) -m orchestration.cli status

summary: $(STAMP)  ## what the warehouse holds: files, rows loaded and quarantined per table
	$(PY) -m orchestration.cli summary

audit: $(STAMP)  ## quarterly audit report into reports/audit-<YYYY>-Q<n>/ (QUARTER=2026-Q4, default: current)
	$(PY) -m audit $(if $(QUARTER),--quarter $(QUARTER))

lint: $(STAMP)  ## ruff (Python), the package layering (import-linter) and sqlfluff (dbt SQL, rules in .sqlfluff)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m warehouse.sqllint --processes 2 dbt_project

clean:  ## remove generated data, the warehouse, dbt target and Dagster home (keeps .venv and data/secrets)
	@# data/secrets holds the pseudonymization key and the erasure suppression list: losing them would re-key every
	@# pseudonym and forget who asked to be erased.
	@if [ -d data ]; then find data -mindepth 1 -maxdepth 1 ! -name secrets -exec rm -rf {} +; fi
	rm -rf .dagster_home dbt_project/target dbt_project/logs

erase: $(STAMP)  ## erasure request: remove the person EMAIL=... from every layer (REASON=..., DRY_RUN=1)
	$(PY) -m orchestration.cli erase --email "$(EMAIL)" $(if $(REASON),--reason "$(REASON)") $(if $(DRY_RUN),--dry-run)

scorecards: $(STAMP)  ## one scorecard per partner into reports/scorecards/<partner_id>/ (OUT=..., PARTNER=<id>)
	$(PY) -m scorecards $(if $(OUT),--out $(OUT)) $(if $(PARTNER),--partner $(PARTNER))
