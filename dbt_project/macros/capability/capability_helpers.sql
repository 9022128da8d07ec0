{#-
    Small helpers of the capability, engagement, incentive and completeness models.
-#}

{#- The as-of date (var as_of_date, 'YYYY-MM-DD') as a SQL date: time-based logic never reads current_date. -#}
{% macro as_of_date_sql() -%}
    {{ run_value('as_of_date', "cast('" ~ var('as_of_date') ~ "' as date)") }}
{%- endmacro %}


{#-
    The calendar day (UTC) of a timestamp with time zone. A plain cast would take the day in the session's time
    zone, which is whatever the machine running dbt uses; activity days must not move with it.

    duckdb: timezone('UTC', ts) gives the UTC wall-clock time of the instant, then the day of it.
    spark:  timestamps are instants shown in the session time zone; to_utc_timestamp() moves them to UTC wall-clock.
-#}
{% macro to_utc_date(expression) -%}
    {{ return(adapter.dispatch('to_utc_date', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__to_utc_date(expression) -%}
    cast({{ expression }} as date)
{%- endmacro %}

{% macro duckdb__to_utc_date(expression) -%}
    cast(timezone('UTC', {{ expression }}) as date)
{%- endmacro %}

{% macro spark__to_utc_date(expression) -%}
    to_date(to_utc_timestamp({{ expression }}, current_timezone()))
{%- endmacro %}


{#- 1 when a value is present: not null and not blank once cast to text; else 0. -#}
{% macro is_filled_flag(expression) -%}
    case when {{ expression }} is not null and trim(cast({{ expression }} as {{ dbt.type_string() }})) <> '' then 1 else 0 end
{%- endmacro %}


{#-
    The fields completeness measures, read from the field_impact_weights seed (and the generated defaults, see
    field_impact_weights_relation) when dbt executes (empty while parsing): a list of {source_system, table_name,
    field_name, is_profile_field}, ordered. `profile_only` keeps the partner profile fields. Models calling this
    must declare `-- depends_on: {{ ref('field_impact_weights') }}`.
-#}
{% macro completeness_fields(profile_only=false) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set query -%}
        select source_system, table_name, field_name, is_profile_field
        from {{ field_impact_weights_relation() }}
        {%- if profile_only %} where is_profile_field{% endif %}
        order by source_system, table_name, field_name
    {%- endset -%}
    {%- set rows = run_query(query).rows -%}
    {%- set fields = [] -%}
    {%- for row in rows -%}
        {%- do fields.append({'source_system': row[0], 'table_name': row[1], 'field_name': row[2],
                              'is_profile_field': row[3]}) -%}
    {%- endfor -%}
    {{ return(fields) }}
{%- endmacro %}


{#-
    The staging tables completeness can measure are `completeness_tables()` (macros/_generated/source_registry.sql):
    dbt must know every ref while parsing, before the seed can be read, so they are generated from the staging
    models' key tests by `python -m data_contracts._dbt --write`.

    The field weights: the field_impact_weights seed, plus the generated defaults for a partner record the seed does
    not list yet (its identity fields), so a new source is measured from its first night. With no defaults (every
    partner record in the seed) this is the seed itself.
-#}
{% macro field_impact_weights_relation() -%}
    {%- set defaults = default_field_impact_weights() -%}
    {%- if defaults | length == 0 -%}
        {{ ref('field_impact_weights') }}
    {%- else -%}
        (
            select source_system, table_name, field_name, impact_area, impact_weight, is_profile_field
            from {{ ref('field_impact_weights') }}
            {%- for row in defaults %}
            union all
            select '{{ row.source_system }}', '{{ row.table_name }}', '{{ row.field_name }}', '{{ row.impact_area }}',
                {{ row.impact_weight }}, {{ 'true' if row.is_profile_field else 'false' }}
            {%- endfor %}
        ) as field_impact_weights
    {%- endif -%}
{%- endmacro %}


{#- The seed's fields grouped by table: {(source_system, table_name): [field_name, ...]}, failing on unknown tables. -#}
{% macro completeness_fields_by_table(profile_only=false) -%}
    {%- set tables = completeness_tables() -%}
    {%- set grouped = {} -%}
    {%- for field in completeness_fields(profile_only) -%}
        {%- if field.table_name not in tables.get(field.source_system, {}) -%}
            {{ exceptions.raise_compiler_error('field_impact_weights: ' ~ field.source_system ~ '.' ~ field.table_name
                ~ ' is not a table listed in completeness_tables()') }}
        {%- endif -%}
        {%- set key = (field.source_system, field.table_name) -%}
        {%- if key not in grouped -%}
            {%- do grouped.update({key: []}) -%}
        {%- endif -%}
        {%- do grouped[key].append(field.field_name) -%}
    {%- endfor -%}
    {{ return(grouped) }}
{%- endmacro %}
