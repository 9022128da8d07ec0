-- Per partner record (a row of a partner table: prm.partner, crm.account, lms.organization, marketing.company,
-- finance.entity) and profile field of the field_impact_weights seed: does the record hold a value?
-- depends_on: {{ ref('field_impact_weights') }}
{%- set tables = completeness_tables() %}
{%- for system, entities in tables.items() %}{% for entity in entities %}
-- depends_on: {{ ref('stg_' ~ system ~ '__' ~ entity) }}
{%- endfor %}{% endfor %}
{%- set fields_by_table = completeness_fields_by_table(profile_only=true) %}

with

{% for (system, entity), fields in fields_by_table.items() %}
{{ system }}__{{ entity }}_flags as (

    select
        {{ tables[system][entity] }} as source_record_id,
        {%- for field in fields %}
        {{ is_filled_flag(field) }} as {{ field }}__filled{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('stg_' ~ system ~ '__' ~ entity) }}

),

{{ system }}__{{ entity }}_fields as (

    select
        '{{ system }}' as source_system,
        '{{ entity }}' as table_name,
        flags.source_record_id,
        field_names.field_name,
        case field_names.field_name
            {%- for field in fields %}
            when '{{ field }}' then flags.{{ field }}__filled
            {%- endfor %}
        end as is_filled
    from {{ system }}__{{ entity }}_flags as flags
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
        cast(source_record_id as {{ dbt.type_string() }}) as source_record_id,
        field_name,
        is_filled = 1 as is_filled
    from {{ system }}__{{ entity }}_fields
    {{ 'union all' if not loop.last }}
    {%- endfor %}
    {%- if fields_by_table | length == 0 %}
    -- While parsing (the seed is not read then), an empty shape.
    select
        cast(null as {{ dbt.type_string() }}) as source_system,
        cast(null as {{ dbt.type_string() }}) as table_name,
        cast(null as {{ dbt.type_string() }}) as source_record_id,
        cast(null as {{ dbt.type_string() }}) as field_name,
        cast(null as {{ dbt.type_boolean() }}) as is_filled
    where 1 = 0
    {%- endif %}

)

select * from final
