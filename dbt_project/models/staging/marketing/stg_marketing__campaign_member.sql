with

source as (

    select {{ source_columns('marketing', 'campaign_member') }}
    from {{ source('marketing', 'campaign_member') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('member_id') }} as campaign_member_id,
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('lead_id') }} as lead_id,

        -- attributes
        {{ canonical_code('status', contract_allowed_values('marketing', 'campaign_member', 'status')) }} as member_status,
        {{ clean_text('status') }} as member_status_raw,

        -- timestamps
        touched_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- No version column in the export: the latest load of a member wins.
latest as (

    {{ latest_version('renamed', ['campaign_member_id']) }}

),

final as (

    select
        campaign_member_id,
        campaign_id,
        lead_id,
        member_status,
        member_status_raw,
        touched_at,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
