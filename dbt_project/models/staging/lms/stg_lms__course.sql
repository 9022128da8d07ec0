with

source as (

    select {{ source_columns('lms', 'course') }}
    from {{ source('lms', 'course') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('course_id') }} as course_id,
        {{ normalize_reference('certification_code') }} as certification_code,

        -- attributes
        {{ clean_text('title') }} as course_title,
        {{ canonical_code('course_type', contract_allowed_values('lms', 'course', 'course_type')) }} as course_type,
        {{ clean_text('course_type') }} as course_type_raw,
        duration_hours,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- The catalogue has no version column: the latest load of a course wins.
latest as (

    {{ latest_version('renamed', ['course_id']) }}

),

final as (

    select
        course_id,
        certification_code,
        course_title,
        course_type,
        course_type_raw,
        duration_hours,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
