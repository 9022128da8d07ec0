with

source as (

    select {{ source_columns('lms', 'enrollment') }}
    from {{ source('lms', 'enrollment') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('enrollment_id') }} as enrollment_id,
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('course_id') }} as course_id,

        -- attributes
        {{ canonical_code('status', contract_allowed_values('lms', 'enrollment', 'status')) }} as enrollment_status,
        {{ clean_text('status') }} as enrollment_status_raw,
        score,

        -- timestamps
        enrolled_at,
        completed_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- No version column in the export: the latest load of an enrolment wins.
latest as (

    {{ latest_version('renamed', ['enrollment_id']) }}

),

final as (

    select
        enrollment_id,
        user_id,
        course_id,
        enrollment_status,
        enrollment_status_raw,
        enrollment_status = 'completed' as is_completed,
        score,
        enrolled_at,
        completed_at,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
