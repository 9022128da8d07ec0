with

source as (

    select {{ source_columns('prm', 'deal_registration') }}
    from {{ source('prm', 'deal_registration') }}

),

renamed as (

    select
        -- ids
        {{ normalize_reference('registration_id') }} as deal_registration_id,
        {{ normalize_reference('partner_id') }} as prm_partner_id,
        {{ sfdc_id_18('converted_opportunity_id') }} as converted_opportunity_id,

        -- attributes
        {{ clean_text('customer_name') }} as customer_name,
        {{ normalize_company_name('customer_name') }} as customer_name_normalized,
        {{ canonical_code('status', contract_allowed_values('prm', 'deal_registration', 'status')) }} as registration_status,
        estimated_amount,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,

        -- timestamps
        submitted_at,
        approved_at,
        expires_at,
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

    {{ latest_version('renamed', ['deal_registration_id'], 'updated_at') }}

),

final as (

    select
        latest.deal_registration_id,
        latest.prm_partner_id,
        latest.converted_opportunity_id,
        latest.customer_name,
        latest.customer_name_normalized,
        latest.registration_status,
        latest.estimated_amount,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.submitted_at,
        latest.approved_at,
        latest.expires_at,
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
