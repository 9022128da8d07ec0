{#-
    Column metadata of a raw table, as rendered into the sources yml from the pandera contract
    (data_contracts/_dbt.py). Read from the graph, so it is only available when dbt executes; during parsing these
    return empty results, which is all parsing needs.
-#}
{% macro contract_columns(source_name, table_name) -%}
    {%- if not execute -%}
        {{ return({}) }}
    {%- endif -%}
    {%- set unique_id = 'source.' ~ project_name ~ '.' ~ source_name ~ '.' ~ table_name -%}
    {%- if unique_id not in graph.sources -%}
        {{ exceptions.raise_compiler_error('no source ' ~ source_name ~ '.' ~ table_name ~ ' in the sources yml') }}
    {%- endif -%}
    {{ return(graph.sources[unique_id].columns) }}
{%- endmacro %}


{#- The allowed codes the contract declares for one raw column (empty while parsing). -#}
{% macro contract_allowed_values(source_name, table_name, column_name) -%}
    {%- set columns = contract_columns(source_name, table_name) -%}
    {%- if column_name not in columns -%}
        {{ return([]) }}
    {%- endif -%}
    {%- set column = columns[column_name] -%}
    {%- set meta = column.config.meta if column.config is defined and column.config.meta else column.meta -%}
    {{ return(meta.get('allowed') or []) }}
{%- endmacro %}
