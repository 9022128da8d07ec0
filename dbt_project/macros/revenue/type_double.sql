{#-
    An 8-byte floating point type. dbt.type_float() renders `float`, which is 4 bytes on DuckDB and Spark: too coarse
    for attribution weights and rates. Cast to it wherever a ratio must be computed in floating point: on Spark,
    decimal / decimal keeps only 6 decimals (0.2 / 3 = 0.066667).
-#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double', 'partner_warehouse')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}
