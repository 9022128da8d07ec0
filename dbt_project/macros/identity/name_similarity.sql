{#-
    Similarity of two normalized company names, from 0 (nothing in common) to 1 (identical).

    duckdb: Jaro-Winkler (jaro_winkler_similarity), which rewards a shared beginning: the part of a company name
            that systems agree on most.
    default/spark: a Levenshtein ratio, 1 - edit distance / length of the longer name (Spark has no Jaro-Winkler).
    The two scales differ a little; var('identity_fuzzy_threshold') is tuned on DuckDB.
-#}
{% macro name_similarity(left, right) -%}
    {{ return(adapter.dispatch('name_similarity', 'partner_warehouse')(left, right)) }}
{%- endmacro %}

{% macro default__name_similarity(left, right) -%}
    (1.0 - cast(levenshtein({{ left }}, {{ right }}) as double)
        / cast(greatest(length({{ left }}), length({{ right }}), 1) as double))
{%- endmacro %}

{% macro duckdb__name_similarity(left, right) -%}
    jaro_winkler_similarity({{ left }}, {{ right }})
{%- endmacro %}
