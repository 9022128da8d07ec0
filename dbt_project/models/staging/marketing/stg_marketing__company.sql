with

source as (

    select {{ source_columns('marketing', 'company') }}
    from {{ source('marketing', 'company') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('company_id') }} as company_id,
        -- The PRM partner id, when the marketer filled it in.
        {{ normalize_reference('partner_ref') }} as prm_partner_id,

        -- attributes
        {{ clean_text('company_name') }} as company_name,
        {{ normalize_company_name('company_name') }} as company_name_normalized,
        {{ normalize_web_domain('domain') }} as web_domain,
        {{ clean_text('country') }} as country_raw,
        {{ lookup_key('country') }} as country_key,

        -- flags
        is_partner,

        -- timestamps
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

    {{ latest_version('renamed', ['company_id'], 'updated_at') }}

),

final as (

    select
        latest.company_id,
        latest.prm_partner_id,
        latest.company_name,
        latest.company_name_normalized,
        latest.web_domain,
        case when latest.web_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        latest.is_partner,
        latest.updated_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('country_aliases') }} as country_aliases
        on latest.country_key = country_aliases.alias
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on latest.web_domain = free_mail_domains.domain

)

select * from final
