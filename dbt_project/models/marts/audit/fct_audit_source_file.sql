{#-
    Source-file findings (int_audit__source_files): files rejected whole (rejected_file, high) and schema drift of
    each table's latest file (schema_drift: unknown headers low, missing contract columns medium). The record to
    fix is the file (source_record_id); partner_id is null (a file is no partner's).
-#}
with

source_files as (

    select * from {{ ref('int_audit__source_files') }}

),

final as (

    select
        {{ audit_finding(
            "'source_file'", 'rule', 'severity', 'source_system', 'source_table', 'source_file',
            'null', 'field_name', 'triggering_value', 'null', 'detail'
        ) }}
    from source_files

)

select * from final
