{#-
    What the loads say about the source files (source ops.loaded_files), one row per finding:
    - rejected_file: a file whose latest load rejected it whole (nothing of it loaded) and that has not loaded
      since under the same name; the reason names file, line and rule, never a value.
    - schema_drift: the latest loaded file of each table has headers the mapping does not know (dropped: low) or
      lacks contract columns (loaded as null: medium). The latest file is the export's current shape: older files
      that drifted the same way would only repeat it.
-#}
with

loaded_files as (

    select * from {{ source('ops', 'loaded_files') }}

),

latest_per_file as (

    select
        *,
        row_number() over (partition by system, entity, source_file order by loaded_at desc) as file_recency
    from loaded_files
    -- a file left for the next run (not settled) says nothing about the file: an earlier rejection still stands
    where status <> 'waiting'

),

latest_loaded_per_table as (

    select
        *,
        row_number() over (partition by system, entity order by loaded_at desc, source_file desc) as table_recency
    from loaded_files
    where status = 'loaded'

),

rejected_files as (

    select
        system as source_system,
        entity as source_table,
        source_file,
        'rejected_file' as rule,
        'high' as severity,
        error_rule as field_name,
        {{ dbt.concat(["coalesce(error_rule, 'unknown')", "' at line '",
                       "coalesce(" ~ dbt.safe_cast('error_line', dbt.type_string()) ~ ", '?')"]) }} as triggering_value,
        {{ dbt.concat(["'rejected whole, nothing of it loaded: '", "coalesce(error, 'no reason recorded')"]) }} as detail
    from latest_per_file
    where file_recency = 1 and status = 'failed'

),

unknown_headers as (

    select
        system as source_system,
        entity as source_table,
        source_file,
        'schema_drift' as rule,
        'low' as severity,
        'unknown_columns' as field_name,
        unknown_columns as triggering_value,
        'the latest file has headers the mapping does not know; they are not loaded' as detail
    from latest_loaded_per_table
    where table_recency = 1 and coalesce(unknown_columns, '[]') <> '[]'

),

missing_columns as (

    select
        system as source_system,
        entity as source_table,
        source_file,
        'schema_drift' as rule,
        'medium' as severity,
        'missing_columns' as field_name,
        missing_columns as triggering_value,
        'the latest file lacks contract columns; they are loaded as null' as detail
    from latest_loaded_per_table
    where table_recency = 1 and coalesce(missing_columns, '[]') <> '[]'

),

final as (

    select * from rejected_files
    union all
    select * from unknown_headers
    union all
    select * from missing_columns

)

select * from final
