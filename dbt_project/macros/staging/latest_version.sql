{#-
    The latest version of every record of an append-only raw table: one row per key.

    Raw tables keep every delivered row version: corrected versions from later files, exact re-deliveries from
    overlapping extracts, late files holding older versions. The newest version column wins (e.g.
    last_modified_at); ties (an exact re-delivery) and entities without a version column fall back to the latest
    load, then the latest file name, then the last line. Exact duplicates therefore collapse to one row.

    relation:       a CTE or relation with the renamed columns and _loaded_at, _source_file, _source_line
    key_columns:    the (renamed) key columns
    version_column: the (renamed) last-modified column, or none
-#}
{% macro latest_version(relation, key_columns, version_column=none) -%}
    {%- set order_by = [] -%}
    {%- if version_column is not none -%}
        {%- do order_by.append(version_column ~ ' desc nulls last') -%}
    {%- endif -%}
    {%- do order_by.extend(['_loaded_at desc nulls last', '_source_file desc nulls last', '_source_line desc nulls last']) -%}
    select *
    from (
        select
            {{ relation }}.*,
            row_number() over (
                partition by {{ key_columns | join(', ') }}
                order by {{ order_by | join(', ') }}
            ) as _version_rank
        from {{ relation }}
    ) as ranked
    where _version_rank = 1
{%- endmacro %}
