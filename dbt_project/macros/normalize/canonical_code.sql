{#-
    An enumeration in one canonical spelling: the value is compared case- and blank-insensitively with `values`
    and replaced by the matching entry ("  gold" -> "Gold", "msp" -> "MSP"). A value that matches none (a real
    system's own word: a PRM's "Elite" tier) is NULL: staging keeps the text as typed in `<column>_raw`, and
    int_quality__record_flags flags the row (rule unknown_code), so no model groups by a word it does not know.

    `values` is usually contract_allowed_values(...): the allowed codes of the pandera contract, read from the
    generated sources yml, so the codes are written down once.
-#}
{% macro canonical_code(expression, values) -%}
    {%- if values | length == 0 -%}
        {{ clean_text(expression) }}
    {%- else -%}
    case {{ lookup_key(expression) }}
        {%- for value in values %}
        when {{ sql_string_literal(value | lower) }} then {{ sql_string_literal(value) }}
        {%- endfor %}
    end
    {%- endif -%}
{%- endmacro %}
