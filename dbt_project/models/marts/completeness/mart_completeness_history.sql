-- mart_completeness as it was at every build: each dbt run appends one snapshot (one row per source system,
-- table and field), keyed by the dbt invocation id, so completeness trends can be shown.
-- full_refresh=false: history cannot be rebuilt from today's data, so `--full-refresh` (run when models or seeds
-- change) keeps it.
{{
    config(
        materialized='incremental',
        incremental_strategy='append',
        on_schema_change='append_new_columns',
        full_refresh=false,
    )
}}

with

snapshot as (

    select
        '{{ invocation_id }}' as run_id,
        cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as {{ dbt.type_timestamp() }}) as run_started_at,
        as_of_date,
        source_system,
        table_name,
        field_name,
        impact_area,
        impact_weight,
        row_count,
        filled_count,
        raw_row_count,
        quarantined_row_count,
        filled_share,
        valid_row_share,
        completeness,
        completeness_gap,
        weighted_gap
    from {{ ref('mart_completeness') }}

)

select * from snapshot
{% if is_incremental() %}
-- A model rerun within the same invocation appends nothing twice.
where run_id not in (select distinct run_id from {{ this }})
{% endif %}
