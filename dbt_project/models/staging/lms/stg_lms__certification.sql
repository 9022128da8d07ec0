with

source as (

    select {{ source_columns('lms', 'certification') }}
    from {{ source('lms', 'certification') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('certification_record_id') }} as certification_record_id,
        {{ clean_text('user_id') }} as user_id,
        {{ normalize_reference('certification_code') }} as certification_code,

        -- attributes
        {{ clean_text('certification_name') }} as certification_name,
        {{ canonical_code('status', contract_allowed_values('lms', 'certification', 'status')) }} as certification_status,
        {{ clean_text('status') }} as certification_status_raw,

        -- dates
        issued_date,
        expiry_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- No version column in the export: the latest load of a record wins.
latest as (

    {{ latest_version('renamed', ['certification_record_id']) }}

),

final as (

    select
        certification_record_id,
        user_id,
        certification_code,
        certification_name,
        certification_status,
        certification_status_raw,
        issued_date,
        expiry_date,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
