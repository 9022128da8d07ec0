with

source as (

    select {{ source_columns('marketing', 'lead') }}
    from {{ source('marketing', 'lead') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('lead_id') }} as lead_id,
        {{ clean_text('referring_partner_id') }} as referring_partner_company_id,
        {{ sfdc_id_18('converted_opportunity_id') }} as converted_opportunity_id,

        -- attributes
        {{ normalize_email('email') }} as email,
        {{ email_domain('email') }} as email_domain,
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text('phone') }} as phone,
        {{ clean_text('company_name') }} as company_name,
        {{ normalize_company_name('company_name') }} as company_name_normalized,
        {{ clean_text('country') }} as country_raw,
        {{ lookup_key('country') }} as country_key,
        {{ clean_text('lead_source') }} as lead_source,

        -- timestamps
        created_at,
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

    {{ latest_version('renamed', ['lead_id'], 'updated_at') }}

),

final as (

    select
        latest.lead_id,
        latest.referring_partner_company_id,
        latest.converted_opportunity_id,
        latest.email,
        latest.email_domain,
        case when latest.email_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        latest.first_name,
        latest.last_name,
        latest.phone,
        latest.company_name,
        latest.company_name_normalized,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        latest.lead_source,
        latest.created_at,
        latest.updated_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('country_aliases') }} as country_aliases
        on latest.country_key = country_aliases.alias
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on latest.email_domain = free_mail_domains.domain

)

select * from final
