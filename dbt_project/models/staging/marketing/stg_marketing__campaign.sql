with

source as (

    select {{ source_columns('marketing', 'campaign') }}
    from {{ source('marketing', 'campaign') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('campaign_id') }} as campaign_id,
        {{ clean_text('partner_company_id') }} as partner_company_id,
        {{ normalize_reference('mdf_request_id') }} as mdf_request_id,

        -- attributes
        {{ clean_text('campaign_name') }} as campaign_name,
        {{ canonical_code('channel', contract_allowed_values('marketing', 'campaign', 'channel')) }} as campaign_channel,
        {{ clean_text('channel') }} as campaign_channel_raw,
        budget as budget_amount,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,

        -- dates
        start_date,
        end_date,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

-- No version column in the export: the latest load of a campaign wins.
latest as (

    {{ latest_version('renamed', ['campaign_id']) }}

),

final as (

    select
        latest.campaign_id,
        latest.partner_company_id,
        latest.mdf_request_id,
        latest.campaign_name,
        latest.campaign_channel,
        latest.campaign_channel_raw,
        latest.budget_amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.start_date,
        latest.end_date,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias

)

select * from final
