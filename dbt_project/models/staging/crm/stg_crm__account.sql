with

source as (

    select {{ source_columns('crm', 'account') }}
    from {{ source('crm', 'account') }}

),

renamed as (

    select
        -- ids
        {{ sfdc_id_18('id') }} as account_id,
        {{ sfdc_id_18('owner_id') }} as owner_user_id,
        {{ normalize_reference('prm_partner_id_c') }} as prm_partner_id,
        {{ normalize_reference('duns_c') }} as duns_number,

        -- attributes
        {{ clean_text('name') }} as account_name,
        {{ normalize_company_name('name') }} as account_name_normalized,
        {{ canonical_code('type', contract_allowed_values('crm', 'account', 'type')) }} as account_type,
        {{ clean_text('type') }} as account_type_raw,
        {{ canonical_code('partner_tier_c', contract_allowed_values('prm', 'partner', 'tier')) }} as partner_tier,
        {{ clean_text('partner_tier_c') }} as partner_tier_raw,
        {{ clean_text('industry') }} as industry,
        number_of_employees as employee_count,
        {{ clean_text('website') }} as website,
        {{ normalize_web_domain('website') }} as web_domain,
        {{ clean_text('billing_country') }} as country_raw,
        {{ lookup_key('billing_country') }} as country_key,

        -- flags
        is_partner,
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

    {{ latest_version('renamed', ['account_id'], 'last_modified_at') }}

),

final as (

    select
        latest.account_id,
        latest.owner_user_id,
        latest.prm_partner_id,
        latest.duns_number,
        latest.account_name,
        latest.account_name_normalized,
        latest.account_type,
        latest.account_type_raw,
        latest.partner_tier,
        latest.partner_tier_raw,
        latest.industry,
        latest.employee_count,
        latest.website,
        latest.web_domain,
        case when latest.web_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        latest.is_partner,
        latest.created_at,
        latest.last_modified_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('country_aliases') }} as country_aliases
        on latest.country_key = country_aliases.alias
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on latest.web_domain = free_mail_domains.domain
    where not latest.is_deleted

)

select * from final
