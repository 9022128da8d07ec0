"""What the report shows, read from the PUBLISHED warehouse (read-only) as of a quarter's end.

Reproducibility: findings and completeness come from the history marts (mart_audit_finding_history,
mart_completeness_history), which every build appends to. A quarter's report reads the last snapshot whose
as_of_date falls inside the quarter, so regenerating it later gives the same numbers whatever was built since.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import duckdb
import pandas as pd

from audit.quarter import Quarter

TREND_QUARTERS = 8


class NoSnapshotError(LookupError):
    pass


@dataclass
class AuditData:
    quarter: Quarter
    as_of_date: date
    run_id: str
    findings: pd.DataFrame
    completeness: pd.DataFrame
    completeness_trend: pd.DataFrame
    findings_trend: pd.DataFrame
    partners: pd.DataFrame
    extra: dict = field(default_factory=dict)


def _last_run(con, table: str, start: date, end: date):
    return con.execute(
        f"""select run_id, as_of_date from {table}
            where as_of_date between ? and ?
            order by as_of_date desc, run_started_at desc, run_id desc limit 1""",
        [start, end],
    ).fetchone()


def _last_run_per_quarter(con, table: str, until: date) -> pd.DataFrame:
    return con.execute(
        f"""select run_id, as_of_date from (
                select run_id, as_of_date, row_number() over (
                    partition by year(as_of_date), quarter(as_of_date)
                    order by as_of_date desc, run_started_at desc, run_id desc) as r
                from (select distinct run_id, as_of_date, run_started_at from {table} where as_of_date <= ?)
            ) where r = 1 order by as_of_date""",
        [until],
    ).df()


def load(con: duckdb.DuckDBPyConnection, quarter: Quarter) -> AuditData:
    found = _last_run(con, "marts.mart_audit_finding_history", quarter.start, quarter.end)
    if found is None:
        raise NoSnapshotError(
            f"no build of the warehouse describes {quarter.label} (as_of_date between {quarter.start} and "
            f"{quarter.end}) in marts.mart_audit_finding_history; build one with PW_AS_OF_DATE={quarter.end} "
            "(make backfill / make run) and publish it first"
        )
    run_id, as_of = found
    findings = con.execute(
        "select * exclude (run_id, run_started_at) from marts.mart_audit_finding_history where run_id = ? "
        "order by severity_rank, finding_type, rule, source_system, source_record_id",
        [run_id],
    ).df()

    completeness_run = _last_run(con, "marts.mart_completeness_history", quarter.start, quarter.end)
    completeness = (
        con.execute(
            "select source_system, table_name, field_name, impact_area, impact_weight, row_count, filled_count, "
            "completeness, completeness_gap, weighted_gap from marts.mart_completeness_history where run_id = ? "
            "order by weighted_gap desc, source_system, table_name, field_name",
            [completeness_run[0]],
        ).df()
        if completeness_run
        else pd.DataFrame(columns=["source_system", "table_name", "field_name", "impact_area", "impact_weight",
                                   "row_count", "filled_count", "completeness", "completeness_gap", "weighted_gap"])
    )

    first = quarter.previous(TREND_QUARTERS - 1).start
    runs = _last_run_per_quarter(con, "marts.mart_completeness_history", quarter.end)
    runs = runs[pd.to_datetime(runs.as_of_date).dt.date >= first]
    completeness_trend = con.execute(
        """select year(as_of_date) || '-Q' || quarter(as_of_date) as quarter, source_system,
                  sum(impact_weight * completeness) / sum(impact_weight) as weighted_completeness
           from marts.mart_completeness_history where run_id in (select unnest(?))
           group by all order by 1, 2""",
        [runs.run_id.tolist()],
    ).df()

    runs = _last_run_per_quarter(con, "marts.mart_audit_finding_history", quarter.end)
    runs = runs[pd.to_datetime(runs.as_of_date).dt.date >= first]
    findings_trend = con.execute(
        """select year(as_of_date) || '-Q' || quarter(as_of_date) as quarter, finding_type, count(*) as findings
           from marts.mart_audit_finding_history where run_id in (select unnest(?))
           group by all order by 1, 2""",
        [runs.run_id.tolist()],
    ).df()

    partners = con.sql("select partner_id, partner_name, tier, country_code from marts.dim_partner").df()
    return AuditData(quarter, as_of, run_id, findings, completeness, completeness_trend, findings_trend, partners)
