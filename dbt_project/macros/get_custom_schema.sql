{#-
    Custom schemas are used as they are (`staging`, `reference`, later `intermediate`, `marts`) instead of dbt's
    default `<target schema>_<custom schema>`, so the published warehouse has stable, readable schema names.
    Models without a custom schema go to the target schema.
-#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {%- if custom_schema_name is none -%}
        {{ target.schema }}
    {%- else -%}
        {{ custom_schema_name | trim }}
    {%- endif -%}
{%- endmacro %}
