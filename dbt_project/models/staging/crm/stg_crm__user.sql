with

source as (

    select {{ source_columns('crm', 'user') }}
    from {{ source('crm', 'user') }}

),

renamed as (

    select
        -- ids
        {{ sfdc_id_18('id') }} as user_id,

        -- attributes
        {{ clean_text('name') }} as user_name,
        {{ normalize_email('email') }} as email,
        {{ clean_text('user_role') }} as user_role,

        -- flags
        is_active,

        -- timestamps
        last_modified_date as last_modified_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

latest as (

    {{ latest_version('renamed', ['user_id'], 'last_modified_at') }}

),

final as (

    select
        user_id,
        user_name,
        email,
        user_role,
        is_active,
        last_modified_at,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
