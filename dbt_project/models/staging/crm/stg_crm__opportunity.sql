with

source as (

    select {{ source_columns('crm', 'opportunity') }}
    from {{ source('crm', 'opportunity') }}

),

renamed as (

    select
        -- ids
        {{ sfdc_id_18('id') }} as opportunity_id,
        {{ sfdc_id_18('account_id') }} as account_id,
        {{ sfdc_id_18('owner_id') }} as owner_user_id,
        {{ normalize_reference('deal_registration_id_c') }} as deal_registration_id,

        -- attributes
        {{ clean_text('name') }} as opportunity_name,
        {{ clean_text('stage_name') }} as stage_name,
        {{ lookup_key('stage_name') }} as stage_key,
        {{ clean_text('lead_source') }} as lead_source,
        probability as probability_pct,
        amount,
        {{ clean_text('currency_iso_code') }} as currency_raw,
        {{ lookup_key('currency_iso_code') }} as currency_key,

        -- flags as the CRM gives them
        is_closed,
        is_won,
        coalesce(is_deleted, false) as is_deleted,

        -- dates and timestamps
        close_date,
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

    {{ latest_version('renamed', ['opportunity_id'], 'last_modified_at') }}

),

final as (

    select
        latest.opportunity_id,
        latest.account_id,
        latest.owner_user_id,
        latest.deal_registration_id,
        latest.opportunity_name,
        coalesce(stage_map.stage_name, latest.stage_name) as stage_name,
        coalesce(
            stage_map.stage_category,
            case
                when latest.is_won then 'won'
                when latest.is_closed then 'lost'
                when not latest.is_closed then 'open'
            end
        ) as stage_category,
        stage_map.stage_order,
        stage_map.stage_name is not null as is_stage_mapped,
        -- A known stage decides; for a custom stage the CRM's own flags do.
        coalesce(stage_map.is_closed, latest.is_closed) as is_closed,
        coalesce(stage_map.is_won, latest.is_won) as is_won,
        coalesce(latest.probability_pct, stage_map.default_probability) as probability_pct,
        stage_map.forecast_category,
        latest.lead_source,
        latest.amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.close_date,
        latest.created_at,
        latest.last_modified_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('opportunity_stage_map') }} as stage_map
        on latest.stage_key = lower(stage_map.stage_name)
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias
    where not latest.is_deleted

)

select * from final
