with

source as (

    select {{ source_columns('lms', 'user') }}
    from {{ source('lms', 'user') }}

),

renamed as (

    select
        -- ids
        {{ clean_text('user_id') }} as user_id,
        {{ clean_text('organization_id') }} as organization_id,

        -- attributes
        {{ clean_text('first_name') }} as first_name,
        {{ clean_text('last_name') }} as last_name,
        {{ clean_text(dbt.concat(["coalesce(first_name, '')", "' '", "coalesce(last_name, '')"])) }} as full_name,
        {{ normalize_email('email') }} as email,
        {{ email_domain('email') }} as email_domain,
        {{ clean_text('job_title') }} as job_title,

        -- flags
        is_active,

        -- timestamps
        created_at,
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

    {{ latest_version('renamed', ['user_id'], 'modified_at') }}

),

final as (

    select
        latest.user_id,
        latest.organization_id,
        latest.first_name,
        latest.last_name,
        latest.full_name,
        latest.email,
        latest.email_domain,
        case when latest.email_domain is not null then free_mail_domains.domain is not null end as is_free_mail_domain,
        latest.job_title,
        latest.is_active,
        latest.created_at,
        latest.modified_at,
        latest._source_file,
        latest._source_line,
        latest._loaded_at,
        latest.extra_fields

    from latest
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on latest.email_domain = free_mail_domains.domain

)

select * from final
