-- Which source systems and entities delivered data: one row per raw table, with the rows it holds (every row
-- version that passed its contract, from every load so far). Marts read it through source_has_data_flags() to
-- tell "no data from <system>" (NULL) from "none" (0): a user without an LMS has no certified people to count,
-- which is not the same as a partner with none certified. The tables are those of completeness_tables(),
-- generated from the source declarations (macros/_generated/source_registry.sql).
{%- set tables = completeness_tables() %}

with

entity_rows as (

    {%- for system, entities in tables.items() %}{% for entity in entities %}
    select
        '{{ system }}' as source_system,
        '{{ entity }}' as source_entity,
        count(*) as raw_rows
    from {{ source(system, entity) }}
    {{ 'union all' if not loop.last }}
    {%- endfor %}{{ 'union all' if not loop.last }}
    {%- endfor %}

),

final as (

    select
        source_system,
        source_entity,
        cast(raw_rows as {{ dbt.type_bigint() }}) as raw_rows,
        raw_rows > 0 as has_rows,
        -- A system counts as delivered when any of its entities did: an LMS with courses but no certification
        -- yet has certified nobody (0), it is not missing (NULL).
        max(case when raw_rows > 0 then 1 else 0 end) over (partition by source_system) = 1 as system_has_rows
    from entity_rows

)

select * from final
