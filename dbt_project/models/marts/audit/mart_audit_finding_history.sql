-- fct_audit_finding as it was at every build: each dbt run appends one snapshot keyed by the dbt invocation id,
-- so the quarterly report for a past quarter reads the findings as they were at the quarter's end (the last
-- snapshot whose as_of_date falls in the quarter), not today's state.
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
        {{ audit_finding_columns() | join(', ') }},
        severity_rank
    from {{ ref('fct_audit_finding') }}

)

select * from snapshot
{% if is_incremental() %}
where run_id not in (select distinct run_id from {{ this }})
{% endif %}
