{#-
    The latest version of every record of an append-only raw table: one row per key, and none for a record the
    source deleted.

    Raw tables keep every delivered row version: corrected versions from later files, exact re-deliveries from
    overlapping extracts, late files holding older versions, history-mode versions from an ELT tool. The newest
    version column wins (e.g. last_modified_at); ties (an exact re-delivery) and entities without a version
    column fall back to the start of the history version (Fivetran history mode), the tool's sync timestamp,
    then the latest load, the latest file name, the last line. Exact duplicates therefore collapse to one row,
    and a history version delivered again once closed is the closed one.

    The winning version is dropped when the source deleted the record: the tool marked it deleted
    (_source_deleted: Fivetran soft delete, Airbyte CDC), or it is a closed history version
    (_source_active = false with no newer version: Fivetran closes the last version of a deleted record). A
    record deleted and later restored comes back, because its restored version is newer. Staging models apply
    their system's own deletion flag (Salesforce IsDeleted) on top.

    relation:       a CTE or relation with the renamed columns, _loaded_at, _source_file, _source_line and the
                    source_sync_columns()
    key_columns:    the (renamed) key columns
    version_column: the (renamed) last-modified column, or none
-#}
{% macro latest_version(relation, key_columns, version_column=none) -%}
    {%- set order_by = [] -%}
    {%- if version_column is not none -%}
        {%- do order_by.append(version_column ~ ' desc nulls last') -%}
    {%- endif -%}
    {%- do order_by.extend([
        '_source_valid_from desc nulls last', '_source_synced_at desc nulls last', '_loaded_at desc nulls last',
        '_source_file desc nulls last', '_source_line desc nulls last']) -%}
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
        and not coalesce(_source_deleted, false)
        and coalesce(_source_active, true)
{%- endmacro %}


{#-
    The load columns an ELT tool's metadata fills (connectors/flavors.py maps Fivetran's and Airbyte's columns to
    them; null for files exported by hand), for a staging model's renamed CTE, so latest_version can use them.
-#}
{% macro source_sync_columns() -%}
    _source_deleted,
        _source_synced_at,
        _source_valid_from,
        _source_valid_to,
        _source_active
{%- endmacro %}
