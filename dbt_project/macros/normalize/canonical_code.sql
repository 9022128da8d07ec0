{#-
    An enumeration in one canonical spelling: the value is compared case- and blank-insensitively with `values`
    and replaced by the matching entry ("  gold" -> "Gold", "msp" -> "MSP"). A value that matches none is kept
    cleaned (so an audit can see it) and fails the accepted_values test of the staging model.

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
        else {{ clean_text(expression) }}
    end
    {%- endif -%}
{%- endmacro %}
