{#-
    Every partner record of the five systems, in one shape, with the keys identity resolution matches on.

    Scope (see the yml): the PRM is all partners; CRM accounts flagged or typed as partners (or carrying a PRM id);
    every LMS organisation (the LMS has no partner flag); finance entities typed `partner`; marketing companies
    flagged is_partner, or carrying a PRM id. Marketing companies whose is_partner is blank and finance entities of
    other types (vendor, customer) are `candidate`s: they enter the crosswalk only when exact evidence (a shared
    id, a domain and the same name, the same name and country) ties them to a partner record of another system. Records on the vendor's own
    web domain are `internal` (the vendor's staff org in the LMS): not partners, never matched.
-#}
with

-- The vendor's own web domain(s): the e-mail domain of at least a fifth of the CRM users (the vendor's staff).
-- An LMS organisation, marketing company or finance entity on it is the vendor itself (its staff's training
-- org, say): scope `internal`, never matched and left out of the crosswalk.
user_domains as (

    select
        {{ email_domain('email') }} as web_domain,
        count(*) as user_count
    from {{ ref('stg_crm__user') }}
    group by 1

),

vendor_domains as (

    select user_domains.web_domain
    from user_domains
    left join {{ ref('free_mail_domains') }} as free_mail_domains
        on user_domains.web_domain = free_mail_domains.domain
    where user_domains.web_domain is not null
        and free_mail_domains.domain is null
        and user_domains.user_count >= 0.2 * (select sum(user_count) from user_domains)

),

prm as (

    select
        'prm' as source_system,
        prm_partner_id as source_record_id,
        partner_name as record_name,
        partner_name_normalized as name_normalized,
        country_code,
        case when not is_free_mail_domain then web_domain end as web_domain,
        prm_partner_id as prm_partner_ref,
        upper(crm_account_id) as crm_account_ref,
        duns_number,
        cast(null as {{ dbt.type_string() }}) as tax_id,
        'partner' as scope,
        updated_at as record_updated_at
    from {{ ref('stg_prm__partner') }}

),

crm as (

    select
        'crm' as source_system,
        account_id as source_record_id,
        account_name as record_name,
        account_name_normalized as name_normalized,
        country_code,
        case when not is_free_mail_domain then web_domain end as web_domain,
        prm_partner_id as prm_partner_ref,
        upper(account_id) as crm_account_ref,
        duns_number,
        cast(null as {{ dbt.type_string() }}) as tax_id,
        'partner' as scope,
        last_modified_at as record_updated_at
    from {{ ref('stg_crm__account') }}
    where is_partner
        or account_type in ('Partner', 'Reseller', 'Distributor')
        or lower(account_type) like '%partner%'
        or prm_partner_id is not null

),

lms as (

    select
        'lms' as source_system,
        organization_id as source_record_id,
        organization_name as record_name,
        organization_name_normalized as name_normalized,
        country_code,
        case when not is_free_mail_domain then web_domain end as web_domain,
        -- external_ref is typed in by the LMS admin: usually the PRM id, sometimes the CRM account id.
        case when prm_partner_id like 'P-%' then prm_partner_id end as prm_partner_ref,
        case when prm_partner_id like '001%' and length(prm_partner_id) = 18 then prm_partner_id end as crm_account_ref,
        cast(null as {{ dbt.type_string() }}) as duns_number,
        cast(null as {{ dbt.type_string() }}) as tax_id,
        'partner' as scope,
        modified_at as record_updated_at
    from {{ ref('stg_lms__organization') }}

),

marketing as (

    select
        'marketing' as source_system,
        company_id as source_record_id,
        company_name as record_name,
        company_name_normalized as name_normalized,
        country_code,
        case when not is_free_mail_domain then web_domain end as web_domain,
        prm_partner_id as prm_partner_ref,
        cast(null as {{ dbt.type_string() }}) as crm_account_ref,
        cast(null as {{ dbt.type_string() }}) as duns_number,
        cast(null as {{ dbt.type_string() }}) as tax_id,
        case when is_partner or prm_partner_id is not null then 'partner' else 'candidate' end as scope,
        updated_at as record_updated_at
    from {{ ref('stg_marketing__company') }}
    where is_partner or is_partner is null or prm_partner_id is not null

),

finance as (

    select
        'finance' as source_system,
        entity_id as source_record_id,
        entity_name as record_name,
        entity_name_normalized as name_normalized,
        country_code,
        case when not is_free_mail_domain then web_domain end as web_domain,
        cast(null as {{ dbt.type_string() }}) as prm_partner_ref,
        upper(crm_account_id) as crm_account_ref,
        duns_number,
        tax_id,
        -- Finance books partners as `partner` or, when it pays them, `vendor`; customers are not partners.
        case when entity_type = 'partner' then 'partner' else 'candidate' end as scope,
        last_modified_at as record_updated_at
    from {{ ref('stg_finance__entity') }}

),

unioned as (

    select * from prm
    union all
    select * from crm
    union all
    select * from lms
    union all
    select * from marketing
    union all
    select * from finance

),

final as (

    select
        {{ dbt.concat(['unioned.source_system', "':'", 'unioned.source_record_id']) }} as node_id,
        unioned.source_system,
        unioned.source_record_id,
        {{ identity_system_rank('unioned.source_system') }} as system_rank,
        record_name,
        name_normalized,
        {{ identity_name_key('name_normalized') }} as name_key,
        country_code,
        unioned.web_domain,
        prm_partner_ref,
        crm_account_ref,
        duns_number,
        tax_id,
        case
            when vendor_domains.web_domain is not null and unioned.source_system in ('lms', 'marketing', 'finance')
                then 'internal'
            else unioned.scope
        end as scope,
        record_updated_at
    from unioned
    left join vendor_domains on unioned.web_domain = vendor_domains.web_domain

)

select * from final
