{#-
    Every partner record of the five systems, in one shape, with the keys identity resolution matches on.

    Scope (see the yml): the PRM is all partners; CRM accounts flagged or typed as partners (or carrying a PRM id);
    every LMS organisation and finance entity (those systems have no reliable partner flag); marketing companies
    flagged is_partner, or carrying a PRM id. Marketing companies whose is_partner is blank are `candidate`s:
    they enter the crosswalk only when they match a partner record of another system.
-#}
with

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
        'partner' as scope,
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
        {{ dbt.concat(['source_system', "':'", 'source_record_id']) }} as node_id,
        source_system,
        source_record_id,
        {{ identity_system_rank('source_system') }} as system_rank,
        record_name,
        name_normalized,
        {{ identity_name_key('name_normalized') }} as name_key,
        country_code,
        web_domain,
        prm_partner_ref,
        crm_account_ref,
        duns_number,
        tax_id,
        scope,
        record_updated_at
    from unioned

)

select * from final
