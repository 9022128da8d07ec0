{#-
    The select list of a raw table, as its contract declares it (the generated sources yml), in declared order.
    A declared column the physical table lacks (the contract gained a column before the raw table was migrated,
    or the table was created by another tool) is filled with a typed null instead of failing the model, as
    fivetran's fill_staging_columns does. Columns the table has but the contract does not declare are ignored.

    While parsing (no warehouse needed) this renders `*`.
-#}
{% macro source_columns(source_name, table_name) -%}
    {%- set declared = contract_columns(source_name, table_name) -%}
    {%- if not execute or declared | length == 0 -%}
        *
    {%- else -%}
        {%- set relation = source(source_name, table_name) -%}
        {%- set present = [] -%}
        {%- for column in adapter.get_columns_in_relation(relation) -%}
            {%- do present.append(column.name | lower) -%}
        {%- endfor -%}
        {%- for name, column in declared.items() %}
        {% if name | lower in present -%}
            {{ adapter.quote(name) }}
        {%- else -%}
            cast(null as {{ logical_sql_type(contract_column_meta(column).get('logical_type', 'string')) }}) as {{ adapter.quote(name) }}
        {%- endif -%}
        {{- "," if not loop.last }}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro %}


{% macro contract_column_meta(column) -%}
    {%- if column.config is defined and column.config.meta -%}
        {{ return(column.config.meta) }}
    {%- endif -%}
    {{ return(column.meta or {}) }}
{%- endmacro %}


{#- The warehouse type of a contract logical type, through dbt's cross-database type macros. -#}
{% macro logical_sql_type(logical_type) -%}
    {%- if logical_type == 'integer' -%} {{ dbt.type_bigint() }}
    {%- elif logical_type == 'number' -%} {{ dbt.type_float() }}
    {%- elif logical_type == 'boolean' -%} {{ dbt.type_boolean() }}
    {%- elif logical_type == 'date' -%} date
    {%- elif logical_type == 'timestamp' -%} {{ type_timestamp_tz() }}
    {%- else -%} {{ dbt.type_string() }}
    {%- endif -%}
{%- endmacro %}


{#- A timestamp with time zone where the warehouse has one (DuckDB), else the plain timestamp (Spark). -#}
{% macro type_timestamp_tz() -%}
    {{ return(adapter.dispatch('type_timestamp_tz', 'partner_warehouse')()) }}
{%- endmacro %}

{% macro default__type_timestamp_tz() -%}
    {{ dbt.type_timestamp() }}
{%- endmacro %}

{% macro duckdb__type_timestamp_tz() -%}
    timestamp with time zone
{%- endmacro %}
