{#-
    One row of booleans has_<system>_data, one per system given, from int_coverage__source_entities: true when the
    system delivered any valid row. Marts cross join it and write
        case when coverage.has_lms_data then coalesce(x, 0) end
    so a column only a missing system feeds is NULL ("no data from lms"), and 0 still means none.
-#}
{% macro source_has_data_flags(systems) -%}
    select
        {%- for system in systems %}
        coalesce(max(case when source_system = '{{ system }}' and has_rows then 1 else 0 end), 0) = 1
            as has_{{ system }}_data{{ ',' if not loop.last }}
        {%- endfor %}
    from {{ ref('int_coverage__source_entities') }}
{%- endmacro %}


{#- `expression` when `system` delivered data (coalesced to `default`, usually 0), else NULL. The flag is read from
    the relation `flags` (the cross-joined coverage CTE), or unqualified when the flags are columns of the one
    relation selected from (flags=none). -#}
{% macro when_source_has_data(system, expression, default=none, flags='coverage') -%}
    case when {{ flags ~ '.' if flags }}has_{{ system }}_data then
        {%- if default is none %} {{ expression }}{% else %} coalesce({{ expression }}, {{ default }}){% endif %} end
{%- endmacro %}
