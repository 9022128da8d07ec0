with

source as (

    select {{ source_columns('prm', 'portal_activity') }}
    from {{ source('prm', 'portal_activity') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('event_id') }} as portal_event_id,
        {{ normalize_reference('partner_id') }} as prm_partner_id,
        {{ clean_text('content_id') }} as content_id,

        -- attributes
        {{ normalize_email('user_email') }} as user_email,
        {{ canonical_code('event_type', contract_allowed_values('prm', 'portal_activity', 'event_type')) }} as event_type,
        {{ clean_text('event_type') }} as event_type_raw,
        {{ clean_text('ip_address') }} as ip_address,

        -- timestamps
        occurred_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- Events are immutable and have no version column: a re-delivered event is the same event.
latest as (

    {{ latest_version('renamed', ['portal_event_id']) }}

),

final as (

    select
        portal_event_id,
        prm_partner_id,
        content_id,
        user_email,
        event_type,
        event_type_raw,
        ip_address,
        occurred_at,
        _source_file,
        _source_line,
        _loaded_at,
        extra_fields

    from latest

)

select * from final
