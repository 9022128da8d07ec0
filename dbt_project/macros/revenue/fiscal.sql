{#-
    Fiscal calendar (var fiscal_year_start_month, default 1 = calendar year). A fiscal year is named by the calendar
    year it ends in. fiscal_quarter_index numbers quarters consecutively (fiscal_year * 4 + quarter - 1), so "the
    previous four quarters" is a range of indexes.
-#}
{% macro fiscal_shifted(on_date) -%}
    {%- set start = revenue_setting('fiscal_year_start_month') | int -%}
    {%- if start == 1 -%}
        cast({{ on_date }} as date)
    {%- else -%}
        cast({{ dbt.dateadd('month', 13 - start, on_date) }} as date)
    {%- endif -%}
{%- endmacro %}

{% macro fiscal_year(on_date) -%}
    cast(extract(year from {{ fiscal_shifted(on_date) }}) as integer)
{%- endmacro %}

{% macro fiscal_quarter(on_date) -%}
    cast(extract(quarter from {{ fiscal_shifted(on_date) }}) as integer)
{%- endmacro %}

{% macro fiscal_quarter_index(on_date) -%}
    ({{ fiscal_year(on_date) }} * 4 + {{ fiscal_quarter(on_date) }} - 1)
{%- endmacro %}

{#- 'FY2026-Q3' -#}
{% macro fiscal_quarter_label(on_date) -%}
    {{ dbt.concat(["'FY'", dbt.safe_cast(fiscal_year(on_date), dbt.type_string()), "'-Q'",
                   dbt.safe_cast(fiscal_quarter(on_date), dbt.type_string())]) }}
{%- endmacro %}
