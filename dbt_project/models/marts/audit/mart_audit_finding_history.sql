-- fct_audit_finding as it was at every build (macro history_snapshot: one snapshot appended per dbt run, keyed by
-- the invocation id), so the quarterly report for a past quarter reads the findings as they were at the quarter's
-- end (the last snapshot whose as_of_date falls in the quarter), not today's state.
{{ history_snapshot('fct_audit_finding', audit_finding_columns() + ['severity_rank']) }}
