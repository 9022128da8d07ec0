{#-
    A value of this run (the as-of date, the run id, the run's start) as a SQL expression.

    dbt renders the value as a literal (`literal_sql`). On DuckDB the expression first reads the session variable
    `pw_<name>`, which warehouse/runner.py (the nightly session runner) sets on its connection: one compiled project
    then serves every night, with no recompile when only the date or the run changes. dbt itself never sets these
    variables, so a `dbt build` (and its unit tests' `vars:`) uses the literal as before. Spark: the literal.
-#}
{% macro run_value(name, literal_sql) -%}
    {{ return(adapter.dispatch('run_value', 'partner_warehouse')(name, literal_sql)) }}
{%- endmacro %}

{% macro default__run_value(name, literal_sql) -%}
    {{ literal_sql }}
{%- endmacro %}

{% macro duckdb__run_value(name, literal_sql) -%}
    coalesce(getvariable('pw_{{ name }}'), {{ literal_sql }})
{%- endmacro %}
