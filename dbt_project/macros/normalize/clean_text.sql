{#-
    Text as people meant it: surrounding blanks trimmed, runs of whitespace (tabs, newlines, non-breaking spaces)
    collapsed to one space, and an empty result turned into null.
-#}
{% macro clean_text(expression) -%}
    nullif(trim({{ regexp_replace_all(expression, '[\\s\\p{Z}]+', ' ') }}), '')
{%- endmacro %}


{#- A lowercase lookup key: clean_text, lowercased. Used to look values up in the alias seeds. -#}
{% macro lookup_key(expression) -%}
    lower({{ clean_text(expression) }})
{%- endmacro %}


{#- An e-mail address lowercased, with every blank removed; null when empty. -#}
{% macro normalize_email(expression) -%}
    nullif(lower({{ regexp_replace_all(expression, '[\\s\\p{Z}]+', '') }}), '')
{%- endmacro %}


{#- The domain of an e-mail address (after the last "@"), normalized like a web domain. -#}
{% macro email_domain(expression) -%}
    {{ normalize_web_domain(expression) }}
{%- endmacro %}


{#-
    An identifier typed by people (a PRM partner id stored in another system): uppercased, blanks removed, null
    when empty. "p-00123 " -> "P-00123".
-#}
{% macro normalize_reference(expression) -%}
    nullif(upper({{ regexp_replace_all(expression, '[\\s\\p{Z}]+', '') }}), '')
{%- endmacro %}
