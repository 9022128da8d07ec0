"""The warehouse-level expectations (great-expectations), run on pandas frames read from the published DuckDB file.

Why frames and not GX's SQL datasource: GX 1.x reaches DuckDB only through SQLAlchemy (duckdb-engine), whose
dialect GX does not list among its tested backends; reading each mart once with DuckDB (`.df()`, Arrow under the
hood) and validating the frame with GX's pandas engine is exact, fast at our sizes and needs no SQL dialect support.

The suite: completeness thresholds of the high-impact fields (mart_completeness), uniqueness and non-null keys,
referential integrity between marts (every partner_id of a fact is in dim_partner), and value ranges / sets.
`run_suite()` returns one `ExpectationOutcome` per expectation; `build_data_docs()` writes GX's Data Docs HTML.
"""

from __future__ import annotations

import importlib
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")  # no usage statistics (offline)
logging.getLogger("great_expectations").setLevel(logging.WARNING)

# Completeness (filled share x valid-row share, mart_completeness) each high-impact field must reach.
COMPLETENESS_THRESHOLDS: dict[tuple[str, str, str], float] = {
    ("prm", "partner", "partner_tier"): 0.95,
    ("prm", "partner", "country_code"): 0.95,
    ("prm", "partner", "last_verified_at"): 0.95,
    ("crm", "account", "account_name"): 0.95,
    ("crm", "opportunity", "amount"): 0.95,
    ("crm", "opportunity", "close_date"): 0.95,
    ("crm", "opportunity", "currency_code"): 0.95,
    ("crm", "opportunity_partner", "partner_account_id"): 0.95,
    ("prm", "deal_registration", "estimated_amount"): 0.90,
    ("lms", "certification", "expiry_date"): 0.90,
    ("lms", "user", "organization_id"): 0.95,
    ("finance", "commission_payout", "opportunity_id"): 0.85,
}

# The frames the suite reads: name -> SQL against the published warehouse.
FRAMES = {
    "dim_partner": "select partner_id, partner_name, country_code, tier, tier_rank, source_system_count from marts.dim_partner",
    "fct_opportunity_partner": "select opportunity_partner_key, partner_id, amount_usd from marts.fct_opportunity_partner",
    "fct_deal_registration": "select deal_registration_id, partner_id, estimated_amount_usd from marts.fct_deal_registration",
    "fct_certification": "select certification_record_id, partner_id, certification_status from marts.fct_certification",
    "fct_partner_attribution": "select attribution_credit_key, partner_id, credit_share from marts.fct_partner_attribution",
    "mart_completeness": "select source_system, table_name, field_name, impact_weight, completeness from marts.mart_completeness",
    "fct_audit_finding": "select finding_id, finding_type, severity, partner_id from marts.fct_audit_finding",
}


@dataclass
class ExpectationOutcome:
    mart: str
    expectation: str
    column: str | None
    description: str
    success: bool
    observed: str

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def read_frames(con: duckdb.DuckDBPyConnection) -> dict[str, pd.DataFrame]:
    frames = {name: con.sql(sql).df() for name, sql in FRAMES.items()}
    completeness = frames["mart_completeness"]
    keys = completeness.source_system + "." + completeness.table_name + "." + completeness.field_name
    frames["high_impact_completeness"] = completeness.assign(field_key=keys)[
        keys.isin([".".join(k) for k in COMPLETENESS_THRESHOLDS])
    ].reset_index(drop=True)
    return frames


def _suites(gx, frames: dict[str, pd.DataFrame]) -> dict[str, list]:
    E = gx.expectations
    partner_ids = sorted(frames["dim_partner"].partner_id.dropna().unique().tolist())
    in_dim = {"value_set": partner_ids}
    suites: dict[str, list] = {
        "dim_partner": [
            E.ExpectColumnValuesToNotBeNull(column="partner_id"),
            E.ExpectColumnValuesToBeUnique(column="partner_id"),
            E.ExpectColumnValuesToNotBeNull(column="partner_name", mostly=0.99),
            E.ExpectColumnValuesToNotBeNull(column="country_code", mostly=0.95),
            E.ExpectColumnValuesToBeInSet(column="tier", value_set=["Registered", "Silver", "Gold", "Platinum"]),
            E.ExpectColumnValuesToBeBetween(column="tier_rank", min_value=1, max_value=4),
            E.ExpectColumnValuesToBeBetween(column="source_system_count", min_value=1, max_value=5),
        ],
        "fct_opportunity_partner": [
            E.ExpectColumnValuesToBeUnique(column="opportunity_partner_key"),
            E.ExpectColumnValuesToBeInSet(column="partner_id", **in_dim),
            E.ExpectColumnValuesToBeBetween(column="amount_usd", min_value=0),
        ],
        "fct_deal_registration": [
            E.ExpectColumnValuesToBeUnique(column="deal_registration_id"),
            E.ExpectColumnValuesToBeInSet(column="partner_id", **in_dim),
            E.ExpectColumnValuesToBeBetween(column="estimated_amount_usd", min_value=0),
        ],
        "fct_certification": [
            E.ExpectColumnValuesToBeUnique(column="certification_record_id"),
            E.ExpectColumnValuesToBeInSet(column="partner_id", **in_dim),
            E.ExpectColumnValuesToBeInSet(column="certification_status",
                                          value_set=["active", "expiring", "expired", "revoked"]),
        ],
        "fct_partner_attribution": [
            E.ExpectColumnValuesToBeUnique(column="attribution_credit_key"),
            E.ExpectColumnValuesToBeInSet(column="partner_id", **in_dim),
            E.ExpectColumnValuesToBeBetween(column="credit_share", min_value=0, max_value=1),
        ],
        "mart_completeness": [
            E.ExpectColumnValuesToBeBetween(column="completeness", min_value=0, max_value=1),
            E.ExpectColumnValuesToBeBetween(column="impact_weight", min_value=1, max_value=5),
        ],
        "fct_audit_finding": [
            E.ExpectColumnValuesToBeUnique(column="finding_id"),
            E.ExpectColumnValuesToBeInSet(column="finding_type",
                                          value_set=["stale", "duplicate", "conflict", "orphan", "certification_risk",
                                                     "data_quality", "source_file"]),
            E.ExpectColumnValuesToBeInSet(column="partner_id", **in_dim),
        ],
    }
    # One expectation per high-impact field: its completeness row must reach the threshold.
    completeness = frames["high_impact_completeness"]
    suites["high_impact_completeness"] = [
        E.ExpectColumnValuesToBeInSet(column="field_key", value_set=[".".join(k) for k in COMPLETENESS_THRESHOLDS]),
    ]
    for key, threshold in COMPLETENESS_THRESHOLDS.items():
        frames[f"completeness:{'.'.join(key)}"] = completeness[completeness.field_key == ".".join(key)]
        suites[f"completeness:{'.'.join(key)}"] = [
            E.ExpectColumnValuesToBeBetween(column="completeness", min_value=threshold, max_value=1.0,
                                            meta={"field": ".".join(key), "threshold": threshold}),
            E.ExpectTableRowCountToEqual(value=1),
        ]
    return suites


def _observed(result) -> str:
    res = result.result or {}
    if "unexpected_count" in res:
        text = f"{res.get('unexpected_count', 0)} unexpected of {res.get('element_count', 0)}"
        examples = res.get("partial_unexpected_list") or []
        return text + (f" (e.g. {', '.join(map(str, examples[:3]))})" if examples else "")
    if "observed_value" in res:
        return str(res["observed_value"])
    return ""


def prewarm() -> threading.Thread:
    """Import great-expectations in a background thread: ~5 s of imports (scipy, altair, ...) that a build's
    expectations step, minutes later, would otherwise wait for. The build meanwhile mostly waits on dbt and DuckDB,
    which leave the interpreter free; the step's own import then finds the module loaded (or waits for the thread)."""
    thread = threading.Thread(target=importlib.import_module, args=("great_expectations",),
                              name="import-great-expectations", daemon=True)
    thread.start()
    return thread


def run_suite(con: duckdb.DuckDBPyConnection, docs_dir: Path | None = None) -> list[ExpectationOutcome]:
    """Validate the marts; with `docs_dir`, also write GX Data Docs (HTML) there."""
    import great_expectations as gx

    frames = read_frames(con)
    workdir = Path(tempfile.mkdtemp(prefix="pw-gx-"))
    try:
        # Data Docs need a file context; without them an in-memory one skips writing every suite, asset and
        # validation definition to disk (most of the suite's time on a small warehouse).
        context = (gx.get_context(mode="file", project_root_dir=str(workdir)) if docs_dir is not None
                   else gx.get_context(mode="ephemeral"))
        # GX draws a tqdm "Calculating Metrics" bar per validation (about twenty a build, in the middle of `make run`'s
        # output); the context's progress_bars setting is the documented switch.
        from great_expectations.data_context.types.base import ProgressBarsConfig

        context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        source = context.data_sources.add_pandas("published_warehouse")
        outcomes: list[ExpectationOutcome] = []
        results = []
        for mart, expectations in _suites(gx, frames).items():
            name = mart.replace(":", "__").replace(".", "_")
            suite = context.suites.add(gx.ExpectationSuite(name=name))
            for expectation in expectations:
                suite.add_expectation(expectation)
            batch_definition = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
            validation = context.validation_definitions.add(
                gx.ValidationDefinition(name=name, data=batch_definition, suite=suite)
            )
            result = validation.run(batch_parameters={"dataframe": frames[mart]})
            results.append(result)
            for r in result.results:
                config = r.expectation_config
                column = config.kwargs.get("column")
                if mart.startswith("completeness:") and config.type == "expect_column_values_to_be_between":
                    threshold = config.kwargs.get("min_value")
                    value = frames[mart].completeness.iloc[0] if len(frames[mart]) else None
                    description = f"completeness of {mart.split(':', 1)[1]} >= {threshold:.0%}"
                    observed = f"{value:.1%}" if value is not None else "field not measured"
                else:
                    description = f"{config.type.removeprefix('expect_').replace('_', ' ')}"
                    if config.kwargs.get("mostly"):
                        description += f" (mostly {config.kwargs['mostly']:.0%})"
                    observed = _observed(r)
                outcomes.append(ExpectationOutcome(mart.split(":")[0], config.type, column, description,
                                                   bool(r.success), observed))
        if docs_dir is not None:
            _write_docs(context, results, workdir, Path(docs_dir))
        return outcomes
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _write_docs(context, results, workdir: Path, docs_dir: Path) -> None:
    """GX Data Docs for the suites and their validation results, copied to `docs_dir` (index.html at its root)."""
    context.build_data_docs()
    site = next(workdir.rglob("data_docs/local_site"), None)
    if site is None:
        raise RuntimeError("great-expectations wrote no Data Docs")
    if docs_dir.exists():
        shutil.rmtree(docs_dir)
    shutil.copytree(site, docs_dir)


def summarize(outcomes: list[ExpectationOutcome]) -> dict:
    failed = [o for o in outcomes if not o.success]
    return {"evaluated": len(outcomes), "passed": len(outcomes) - len(failed), "failed": len(failed)}
