{#-
    Replace every match of a regular expression.

    `pattern` and `replacement` are plain (unquoted) strings, not SQL expressions: each adapter quotes them the way
    its SQL dialect reads string literals. Keep patterns to the syntax RE2 (DuckDB) and Java (Spark) share, e.g.
    `\\s`, `\\p{P}`, `\\p{Z}`, character classes, anchors; and use no group references in `replacement` (DuckDB
    writes `\\1`, Spark `$1`).

    duckdb: regexp_replace replaces the first match only unless given the 'g' option.
    spark:  regexp_replace replaces all matches; string literals treat backslash as an escape character.
-#}
{% macro regexp_replace_all(expression, pattern, replacement='') -%}
    {{ return(adapter.dispatch('regexp_replace_all', 'partner_warehouse')(expression, pattern, replacement)) }}
{%- endmacro %}

{% macro default__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ sql_string_literal(pattern) }}, {{ sql_string_literal(replacement) }})
{%- endmacro %}

{% macro duckdb__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ sql_string_literal(pattern) }}, {{ sql_string_literal(replacement) }}, 'g')
{%- endmacro %}

{% macro postgres__regexp_replace_all(expression, pattern, replacement) -%}
    regexp_replace({{ expression }}, {{ sql_string_literal(pattern) }}, {{ sql_string_literal(replacement) }}, 'g')
{%- endmacro %}


{#- A SQL string literal holding `value` exactly, in the adapter's dialect. -#}
{% macro sql_string_literal(value) -%}
    {{ return(adapter.dispatch('sql_string_literal', 'partner_warehouse')(value)) }}
{%- endmacro %}

{% macro default__sql_string_literal(value) -%}
    '{{ value | replace("'", "''") }}'
{%- endmacro %}

{% macro spark__sql_string_literal(value) -%}
    '{{ value | replace("\\", "\\\\") | replace("'", "\\'") }}'
{%- endmacro %}


{#- Does `expression` match the regular expression `pattern` anywhere? Same pattern rules as above. -#}
{% macro regexp_matches(expression, pattern) -%}
    {{ return(adapter.dispatch('regexp_matches', 'partner_warehouse')(expression, pattern)) }}
{%- endmacro %}

{% macro default__regexp_matches(expression, pattern) -%}
    ({{ expression }} ~ {{ sql_string_literal(pattern) }})
{%- endmacro %}

{% macro duckdb__regexp_matches(expression, pattern) -%}
    regexp_matches({{ expression }}, {{ sql_string_literal(pattern) }})
{%- endmacro %}

{% macro spark__regexp_matches(expression, pattern) -%}
    ({{ expression }} rlike {{ sql_string_literal(pattern) }})
{%- endmacro %}
