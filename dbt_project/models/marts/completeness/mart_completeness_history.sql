-- mart_completeness as it was at every build (macro history_snapshot: one snapshot appended per dbt run, keyed by
-- the invocation id; one row per source system, table and field), so completeness trends can be shown.
{{ history_snapshot('mart_completeness', [
    'as_of_date', 'source_system', 'table_name', 'field_name', 'impact_area', 'impact_weight', 'row_count',
    'filled_count', 'raw_row_count', 'quarantined_row_count', 'filled_share', 'valid_row_share', 'completeness',
    'completeness_gap', 'weighted_gap',
]) }}
