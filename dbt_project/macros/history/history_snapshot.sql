{#-
    A history model: `model` as it was at every build. Each dbt run appends one snapshot of it, keyed by the dbt
    invocation id (run_id) and stamped with the run's start (run_started_at), so a report can read a past state
    (the audit of a past quarter, completeness trends) instead of today's.

    The one config of every history model:
    - incremental, append only: a run adds its snapshot and never rewrites an earlier one;
    - on_schema_change append_new_columns: a column added to `model` later is added, older snapshots hold null;
    - full_refresh=false: history cannot be rebuilt from today's data, so `--full-refresh` (run when models or
      seeds change) keeps it;
    - a model rerun within the same invocation appends nothing twice (dbt run / build; `dbt compile`, which the session
      runner compiles with, leaves the guard out: the runner appends once per run, under a new run id, and its
      compiled SQL must not depend on whether the table exists yet, or a warehouse's second run would recompile).

    columns: the columns of `model` to keep, in order (SQL expressions).
    Usage (the whole model): {{ history_snapshot('mart_completeness', ['as_of_date', 'source_system', ...]) }}
-#}
{% macro history_snapshot(model, columns) -%}
{{ config(
    materialized='incremental',
    incremental_strategy='append',
    on_schema_change='append_new_columns',
    full_refresh=false,
) }}

with

snapshot as (

    select
        {{ run_value('run_id', "'" ~ invocation_id ~ "'") }} as run_id,
        {{ run_value('run_started_at', "cast('" ~ run_started_at.strftime('%Y-%m-%d %H:%M:%S') ~ "' as "
                     ~ dbt.type_timestamp() ~ ")") }} as run_started_at,
        {{ columns | join(',\n        ') }}
    from {{ ref(model) }}

)

select * from snapshot
{% if is_incremental() and flags.WHICH != 'compile' %}
    where run_id not in (select distinct existing.run_id from {{ this }} as existing)
{% endif %}
{%- endmacro %}
