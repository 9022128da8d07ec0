{#-
    One row per partner (partner_id of int_partner__crosswalk): who the partner is, its place in the program, and
    the source records it was resolved from. Each attribute comes from the best system that has it: the PRM (the
    program's system of record), then the CRM, finance, marketing and the LMS, each through its primary record
    (int_partner__system_records).
-#}
with

crosswalk as (

    select * from {{ ref('int_partner__crosswalk') }}

),

system_records as (

    select * from {{ ref('int_partner__system_records') }}

),

partners as (

    select
        partner_id,
        max(anchor_node_id) as anchor_node_id,
        max(case when node_id = anchor_node_id then source_system end) as anchor_source_system,
        max(case when node_id = anchor_node_id then source_record_id end) as anchor_record_id,
        count(*) as source_record_count,
        count(distinct source_system) as source_system_count,
        max(case when is_duplicate_candidate then 1 else 0 end) = 1 as has_duplicate_records,
        min(match_confidence) as min_match_confidence
    from crosswalk
    group by partner_id

),

pivoted as (

    select
        partner_id,
        {%- for system in ['prm', 'crm', 'lms', 'marketing', 'finance'] %}
        max(case when source_system = '{{ system }}' then primary_record_id end) as {{ system }}_primary_id,
        coalesce(max(case when source_system = '{{ system }}' then record_count end), 0) as {{ system }}_record_count,
        max(case when source_system = '{{ system }}' then record_ids end) as {{ system }}_record_ids{{ ',' if not loop.last }}
        {%- endfor %}
    from system_records
    group by partner_id

),

source_ids as (

    select
        partner_id,
        {{ dbt.listagg(dbt.concat(['source_system', "':'", 'source_record_id']), "'|'", 'order by system_rank, source_record_id') }}
            as source_record_ids
    from crosswalk
    group by partner_id

),

users as (

    select * from {{ ref('stg_crm__user') }}

),

joined as (

    select
        partners.*,
        pivoted.prm_primary_id,
        pivoted.crm_primary_id,
        pivoted.lms_primary_id,
        pivoted.marketing_primary_id,
        pivoted.finance_primary_id,
        pivoted.prm_record_count,
        pivoted.crm_record_count,
        pivoted.lms_record_count,
        pivoted.marketing_record_count,
        pivoted.finance_record_count,
        pivoted.prm_record_ids,
        pivoted.crm_record_ids,
        pivoted.lms_record_ids,
        pivoted.marketing_record_ids,
        pivoted.finance_record_ids,
        source_ids.source_record_ids,

        prm.partner_name as prm_name,
        crm.account_name as crm_name,
        finance.entity_name as finance_name,
        marketing.company_name as marketing_name,
        lms.organization_name as lms_name,

        prm.partner_name_normalized as prm_name_normalized,
        crm.account_name_normalized as crm_name_normalized,
        finance.entity_name_normalized as finance_name_normalized,
        marketing.company_name_normalized as marketing_name_normalized,
        lms.organization_name_normalized as lms_name_normalized,

        prm.country_code as prm_country_code,
        crm.country_code as crm_country_code,
        finance.country_code as finance_country_code,
        marketing.country_code as marketing_country_code,
        lms.country_code as lms_country_code,

        prm.website as prm_website,
        crm.website as crm_website,
        finance.website as finance_website,
        case when not prm.is_free_mail_domain then prm.web_domain end as prm_web_domain,
        case when not crm.is_free_mail_domain then crm.web_domain end as crm_web_domain,
        case when not finance.is_free_mail_domain then finance.web_domain end as finance_web_domain,
        case when not marketing.is_free_mail_domain then marketing.web_domain end as marketing_web_domain,
        case when not lms.is_free_mail_domain then lms.web_domain end as lms_web_domain,

        prm.partner_type,
        crm.account_type as crm_account_type,
        prm.partner_tier as prm_tier,
        crm.partner_tier as crm_tier,
        prm.program_level,
        prm.partner_status,
        prm.contract_start_date,
        prm.contract_end_date,
        prm.last_verified_at,
        crm.industry,
        crm.employee_count,
        finance.currency_code as finance_currency_code,
        finance.is_inactive as is_finance_inactive,

        prm.channel_manager_email as prm_channel_manager_email,
        crm.owner_user_id as crm_owner_user_id

    from partners
    inner join pivoted on partners.partner_id = pivoted.partner_id
    inner join source_ids on partners.partner_id = source_ids.partner_id
    left join {{ ref('stg_prm__partner') }} as prm on pivoted.prm_primary_id = prm.prm_partner_id
    left join {{ ref('stg_crm__account') }} as crm on pivoted.crm_primary_id = crm.account_id
    left join {{ ref('stg_finance__entity') }} as finance on pivoted.finance_primary_id = finance.entity_id
    left join {{ ref('stg_marketing__company') }} as marketing on pivoted.marketing_primary_id = marketing.company_id
    left join {{ ref('stg_lms__organization') }} as lms on pivoted.lms_primary_id = lms.organization_id

),

final as (

    select
        -- identity
        joined.partner_id,
        coalesce(prm_name, crm_name, finance_name, marketing_name, lms_name) as partner_name,
        coalesce(prm_name_normalized, crm_name_normalized, finance_name_normalized, marketing_name_normalized,
                 lms_name_normalized) as partner_name_normalized,

        -- firmographics
        coalesce(prm_country_code, crm_country_code, finance_country_code, marketing_country_code, lms_country_code)
            as country_code,
        countries.name as country_name,
        countries.region,
        countries.subregion,
        industry,
        employee_count,
        coalesce(prm_website, crm_website, finance_website) as website,
        coalesce(prm_web_domain, crm_web_domain, finance_web_domain, marketing_web_domain, lms_web_domain)
            as web_domain,

        -- relationship
        coalesce(
            partner_type,
            case when crm_account_type in ('Reseller', 'Distributor') then crm_account_type end
        ) as partner_type,
        coalesce(prm_tier, crm_tier) as tier,
        case
            when prm_tier is not null then 'prm'
            when crm_tier is not null then 'crm'
        end as tier_source_system,
        tier_rules.tier_rank,
        program_level,
        partner_status,
        contract_start_date,
        contract_end_date,
        {{ identity_utc_timestamp("last_verified_at") }} as last_verified_at,
        finance_currency_code as billing_currency_code,
        is_finance_inactive,
        -- The channel account manager is a person: only the pseudonym of their e-mail (PRM, else the CRM account
        -- owner's) reaches the mart; name, e-mail and CRM user id stay in staging.
        {{ pseudonymize('coalesce(prm_channel_manager_email, owners.email)') }} as channel_manager_key,

        -- resolution
        anchor_source_system,
        anchor_record_id,
        source_system_count > 1 as is_matched_across_systems,
        -- A system that flags its partners (not only the LMS) knows this partner.
        (prm_record_count + crm_record_count + marketing_record_count + finance_record_count) > 0
            as is_known_partner,
        has_duplicate_records,
        min_match_confidence,
        source_system_count,
        source_record_count,
        prm_primary_id as prm_partner_id,
        crm_primary_id as crm_account_id,
        lms_primary_id as lms_organization_id,
        marketing_primary_id as marketing_company_id,
        finance_primary_id as finance_entity_id,
        prm_record_count,
        crm_record_count,
        lms_record_count,
        marketing_record_count,
        finance_record_count,
        prm_record_ids as prm_partner_ids,
        crm_record_ids as crm_account_ids,
        lms_record_ids as lms_organization_ids,
        marketing_record_ids as marketing_company_ids,
        finance_record_ids as finance_entity_ids,
        source_record_ids

    from joined
    left join {{ ref('countries') }} as countries
        on coalesce(prm_country_code, crm_country_code, finance_country_code, marketing_country_code, lms_country_code)
            = countries.iso2
    left join {{ ref('partner_tier_rules') }} as tier_rules
        on coalesce(prm_tier, crm_tier) = tier_rules.tier
    left join users as owners on joined.crm_owner_user_id = owners.user_id

)

select * from final
