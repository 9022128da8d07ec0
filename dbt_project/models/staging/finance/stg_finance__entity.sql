with

source as (

    select {{ source_columns('finance', 'entity') }}
    from {{ source('finance', 'entity') }}

),

renamed as (

    select
        -- ids
        {{ normalize_numeric_id('entity_id') }} as entity_id,
        {{ sfdc_id_18('crm_account_id') }} as crm_account_id,
        {{ normalize_reference('tax_id') }} as tax_id,
        {{ normalize_reference('duns') }} as duns_number,

        -- attributes
        {{ clean_text('entity_name') }} as entity_name,
        {{ normalize_company_name('entity_name') }} as entity_name_normalized,
        {{ canonical_code('entity_type', contract_allowed_values('finance', 'entity', 'entity_type')) }} as entity_type,
        {{ clean_text('entity_type') }} as entity_type_raw,
        {{ clean_text('web_address') }} as website,
        {{ normalize_web_domain('web_address') }} as web_domain,
        {{ clean_text('country') }} as country_raw,
        {{ lookup_key('country') }} as country_key,
        {{ clean_text('currency') }} as currency_raw,
        {{ lookup_key('currency') }} as currency_key,

        -- flags
        is_inactive,

        -- timestamps
        last_modified as last_modified_at,

        -- lineage
        _source_file,
        _source_line,
        _loaded_at,
        _extra_fields as extra_fields,
        {{ source_sync_columns() }}

    from source

),

latest as (

    {{ latest_version('renamed', ['entity_id'], 'last_modified_at') }}

),

final as (

    select
        latest.entity_id,
        latest.crm_account_id,
        latest.tax_id,
        latest.duns_number,
        latest.entity_name,
        latest.entity_name_normalized,
        latest.entity_type,
        latest.entity_type_raw,
        latest.website,
        latest.web_domain,
        case when latest.web_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        country_aliases.iso2 as country_code,
        latest.country_raw,
        currency_aliases.currency_code,
        latest.currency_raw,
        latest.is_inactive,
        latest.last_modified_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('country_aliases') }} as country_aliases
        on latest.country_key = country_aliases.alias
    left join {{ ref('currency_aliases') }} as currency_aliases
        on latest.currency_key = currency_aliases.alias
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on latest.web_domain = free_mail_domains.domain

)

select * from final
