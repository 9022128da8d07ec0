with

source as (

    select {{ source_columns('prm', 'mdf_request') }}
    from {{ source('prm', 'mdf_request') }}

),

renamed as (

    select
        -- ids
        {{ normalize_reference('request_id') }} as mdf_request_id,
        {{ normalize_reference('partner_id') }} as prm_partner_id,

        -- attributes
        {{ clean_text('activity_type') }} as activity_type,
        {{ canonical_code('status', contract_allowed_values('prm', 'mdf_request', 'status')) }} as request_status,
        requested_amount,
        approved_amount,
        claimed_amount,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,

        -- timestamps
        requested_at,
        claimed_at,
        updated_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

latest as (

    {{ latest_version('renamed', ['mdf_request_id'], 'updated_at') }}

),

final as (

    select
        latest.mdf_request_id,
        latest.prm_partner_id,
        latest.activity_type,
        latest.request_status,
        latest.requested_amount,
        latest.approved_amount,
        latest.claimed_amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.requested_at,
        latest.claimed_at,
        latest.updated_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias

)

select * from final
