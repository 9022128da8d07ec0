{#-
    Orphans: records that reference a partner, user or entity no system knows, one row per finding
    (int_audit__unknown_references finds them). triggering_value is the unknown reference; a reference to a person
    (an LMS user id) is given as its pseudonym (README "Privacy"): the finding's source_record_id leads a data
    owner to the record.
-#}
with

unknown_references as (

    select * from {{ ref('int_audit__unknown_references') }}

),

final as (

    select
        {{ audit_finding(
            "'orphan'", "'unknown_reference'", 'severity', 'source_system', 'source_table', 'source_record_id',
            'null', 'reference_field', 'reference_value', 'null',
            dbt.concat(["'references a '", 'target_key', "' unknown to '", 'target_model'])
        ) }}
    from unknown_references

)

select * from final
