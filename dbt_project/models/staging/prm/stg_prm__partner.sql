with

source as (

    select {{ source_columns('prm', 'partner') }}
    from {{ source('prm', 'partner') }}

),

renamed as (

    select
        -- ids
        {{ normalize_reference('partner_id') }} as prm_partner_id,
        {{ sfdc_id_18('crm_account_id') }} as crm_account_id,
        {{ normalize_reference('duns') }} as duns_number,

        -- attributes
        {{ clean_text('company_name') }} as partner_name,
        {{ normalize_company_name('company_name') }} as partner_name_normalized,
        {{ canonical_code('tier', contract_allowed_values('prm', 'partner', 'tier')) }} as partner_tier,
        {{ clean_text('tier') }} as partner_tier_raw,
        {{ clean_text('program_level') }} as program_level,
        {{ canonical_code('status', contract_allowed_values('prm', 'partner', 'status')) }} as partner_status,
        {{ clean_text('status') }} as partner_status_raw,
        {{ canonical_code('partner_type', contract_allowed_values('prm', 'partner', 'partner_type')) }} as partner_type,
        {{ clean_text('partner_type') }} as partner_type_raw,
        {{ clean_text('website') }} as website,
        {{ normalize_web_domain('website') }} as website_domain,
        {{ email_domain('primary_contact_email') }} as contact_email_domain,
        {{ clean_text('country') }} as country_raw,
        {{ lookup_key('country') }} as country_key,
        {{ normalize_email('primary_contact_email') }} as primary_contact_email,
        {{ clean_text('primary_contact_name') }} as primary_contact_name,
        {{ normalize_email('channel_manager_email') }} as channel_manager_email,

        -- dates and timestamps
        contract_start_date,
        contract_end_date,
        last_verified_at,
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

    {{ latest_version('renamed', ['prm_partner_id'], 'updated_at') }}

),

final as (

    select
        latest.prm_partner_id,
        latest.crm_account_id,
        latest.duns_number,
        latest.partner_name,
        latest.partner_name_normalized,
        latest.partner_tier,
        latest.partner_tier_raw,
        latest.program_level,
        latest.partner_status,
        latest.partner_status_raw,
        latest.partner_type,
        latest.partner_type_raw,
        latest.website,
        -- The web site's domain; failing that, the primary contact's e-mail domain.
        coalesce(latest.website_domain, latest.contact_email_domain) as web_domain,
        case
            when latest.website_domain is not null then 'website'
            when latest.contact_email_domain is not null then 'contact_email'
        end as web_domain_source,
        case
            when coalesce(latest.website_domain, latest.contact_email_domain) is not null
                then free_mail_domains.domain is not null
        end as is_free_mail_domain,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        latest.primary_contact_email,
        latest.primary_contact_name,
        latest.channel_manager_email,
        latest.contract_start_date,
        latest.contract_end_date,
        latest.last_verified_at,
        latest.updated_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('country_aliases') }} as country_aliases
        on latest.country_key = country_aliases.alias
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on coalesce(latest.website_domain, latest.contact_email_domain) = free_mail_domains.domain

)

select * from final
