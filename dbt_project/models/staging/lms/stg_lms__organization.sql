with

source as (

    select {{ source_columns('lms', 'organization') }}
    from {{ source('lms', 'organization') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('organization_id') }} as organization_id,
        -- Typed in by the LMS admin: the PRM partner id, when they filled it in correctly.
        {{ normalize_reference('external_ref') }} as prm_partner_id,

        -- attributes
        {{ clean_text('organization_name') }} as organization_name,
        {{ normalize_company_name('organization_name') }} as organization_name_normalized,
        {{ normalize_web_domain('email_domain') }} as web_domain,
        {{ clean_text('country') }} as country_raw,
        {{ lookup_key('country') }} as country_key,

        -- timestamps
        modified_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

latest as (

    {{ latest_version('renamed', ['organization_id'], 'modified_at') }}

),

final as (

    select
        latest.organization_id,
        latest.prm_partner_id,
        latest.organization_name,
        latest.organization_name_normalized,
        latest.web_domain,
        case when latest.web_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        latest.modified_at,
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
