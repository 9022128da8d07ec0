-- Every LMS learner with the organisation (partner company) they belong to. The user record names it; a learner
-- whose record names none is placed by the e-mail domain, when exactly one organisation uses that domain.
-- The learner is the pseudonym of their LMS user id (learner_key): no personal data leaves staging.
with

learners as (

    select
        user_id,
        organization_id,
        email_domain,
        is_free_mail_domain
    from {{ ref('stg_lms__user') }}

),

-- Only a corporate domain held by a single organisation says where a learner works.
organization_domains as (

    select
        web_domain,
        min(organization_id) as organization_id
    from {{ ref('stg_lms__organization') }}
    where web_domain is not null
        and not coalesce(is_free_mail_domain, false)
    group by web_domain
    having count(*) = 1

),

final as (

    select
        {{ pseudonymize('learners.user_id') }} as learner_key,
        coalesce(learners.organization_id, organization_domains.organization_id) as organization_id,
        case
            when learners.organization_id is not null then 'user_record'
            when organization_domains.organization_id is not null then 'email_domain'
        end as organization_link
    from learners
    left join organization_domains
        on learners.organization_id is null
        and not coalesce(learners.is_free_mail_domain, false)
        and learners.email_domain = organization_domains.web_domain

)

select * from final
