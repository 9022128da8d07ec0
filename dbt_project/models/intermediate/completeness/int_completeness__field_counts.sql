-- Per source system, table and field of the field_impact_weights seed: the staging table's records, how many hold
-- a value (not null, not blank), and how many rows the raw table holds (rows that passed the contract).
-- depends_on: {{ ref('field_impact_weights') }}
{%- for system, entities in completeness_tables().items() %}{% for entity in entities %}
-- depends_on: {{ ref('stg_' ~ system ~ '__' ~ entity) }} {{ source(system, entity) }}
{%- endfor %}{% endfor %}
{%- set fields_by_table = completeness_fields_by_table() %}

with

{% for (system, entity), fields in fields_by_table.items() %}
{{ system }}__{{ entity }}_filled as (

    select
        count(*) as row_count,
        {%- for field in fields %}
        sum({{ is_filled_flag(field) }}) as {{ field }}__filled,
        {%- endfor %}
        max(raw_rows.raw_row_count) as raw_row_count
    from {{ ref('stg_' ~ system ~ '__' ~ entity) }}
    cross join (select count(*) as raw_row_count from {{ source(system, entity) }}) as raw_rows

),

-- One row per field: the single row above, unpivoted.
{{ system }}__{{ entity }}_fields as (

    select
        '{{ system }}' as source_system,
        '{{ entity }}' as table_name,
        field_names.field_name,
        counts.row_count,
        case field_names.field_name
            {%- for field in fields %}
            when '{{ field }}' then counts.{{ field }}__filled
            {%- endfor %}
        end as filled_count,
        counts.raw_row_count
    from {{ system }}__{{ entity }}_filled as counts
    cross join (
        {%- for field in fields %}
        select '{{ field }}' as field_name{{ ' union all' if not loop.last }}
        {%- endfor %}
    ) as field_names

),
{% endfor %}

final as (

    {%- for (system, entity) in fields_by_table %}
    select
        source_system,
        table_name,
        field_name,
        cast(row_count as {{ dbt.type_bigint() }}) as row_count,
        cast(coalesce(filled_count, 0) as {{ dbt.type_bigint() }}) as filled_count,
        cast(raw_row_count as {{ dbt.type_bigint() }}) as raw_row_count
    from {{ system }}__{{ entity }}_fields
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if fields_by_table | length == 0 %}
    -- While parsing (the seed is not read then), an empty shape.
    select
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as field_name,
        cast(null as {{ dbt.type_bigint() }}) as row_count,
        cast(null as {{ dbt.type_bigint() }}) as filled_count,
        cast(null as {{ dbt.type_bigint() }}) as raw_row_count
    where 1 = 0
    {%- endif %}

)

select * from final
