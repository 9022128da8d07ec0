{#-
    An internal record id the way the source meant it. NetSuite saved searches (and any export that went through
    a spreadsheet or a float column) give integer ids in float form, "1234.0"; the same record is "1234" in
    another file or system. A whole number written with a zero fraction loses the fraction; anything else is
    kept cleaned ("A-17" stays "A-17", "12.5" stays "12.5"). Null when empty.
-#}
{% macro normalize_numeric_id(expression) -%}
    {%- set id = clean_text(expression) -%}
    case
        when {{ regexp_matches(id, '^[0-9]+\\.0+$') }} then {{ regexp_replace_all(id, '\\.0+$', '') }}
        else {{ id }}
    end
{%- endmacro %}
