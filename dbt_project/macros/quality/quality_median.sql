{#-
    The median of a column, as an aggregate (use with group by). Portable SQL has no median: percentile_cont is the
    standard's ordered-set aggregate (Postgres, Snowflake, Redshift); DuckDB names it median().
-#}
{% macro quality_median(expression) -%}
    {{ return(adapter.dispatch('quality_median', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__quality_median(expression) -%}
    percentile_cont(0.5) within group (order by {{ expression }})
{%- endmacro %}

{% macro duckdb__quality_median(expression) -%}
    median({{ expression }})
{%- endmacro %}

{% macro bigquery__quality_median(expression) -%}
    approx_quantiles({{ expression }}, 2)[offset(1)]
{%- endmacro %}
