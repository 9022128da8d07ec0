with

source as (

    select {{ source_columns('crm', 'opportunity_partner') }}
    from {{ source('crm', 'opportunity_partner') }}

),

renamed as (

    select
        -- ids
        {{ sfdc_id_18('id') }} as opportunity_partner_id,
        {{ sfdc_id_18('opportunity_id') }} as opportunity_id,
        {{ sfdc_id_18('account_to_id') }} as partner_account_id,

        -- attributes
        {{ clean_text('role') }} as partner_role,

        -- flags
        is_primary,
        coalesce(is_deleted, false) as is_deleted,

        -- timestamps
        created_date as created_at,
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

    {{ latest_version('renamed', ['opportunity_partner_id'], 'last_modified_at') }}

),

final as (

    select
        opportunity_partner_id,
        opportunity_id,
        partner_account_id,
        partner_role,
        is_primary,
        created_at,
        last_modified_at,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest
    where not is_deleted

)

select * from final
