{#-
    One row per partner (partner_id of int_partner__crosswalk): who the partner is, its place in the program, and
    the source records it was resolved from. Each attribute comes from the best system that has it: the PRM (the
    program's system of record), then the CRM, finance, marketing and the LMS, each through its primary record
    (int_partner__profile). The tier is int_partner__tier's (the intermediate models use the same one). The
    systems come from partner_record_sources() (declared beside each contract); the per-system columns of the
    published contract are named explicitly below.
-#}
{%- set sources = partner_record_sources() %}
{%- set chain = {'name': [], 'name_normalized': [], 'country_code': [], 'website': [], 'web_domain': []} %}
{%- for source in sources %}
    {%- for column in ['name', 'name_normalized', 'country_code', 'web_domain'] %}
        {%- do chain[column].append(source.system ~ '_' ~ column) %}
    {%- endfor %}
    {%- if source.website %}{% do chain.website.append(source.system ~ '_website') %}{% endif %}
{%- endfor %}
with

profiles as (

    select * from {{ ref('int_partner__profile') }}

),

tiers as (

    select * from {{ ref('int_partner__tier') }}

),

resolved as (

    select
        partner_id,
        coalesce({{ chain.name | join(', ') }}) as partner_name,
        coalesce({{ chain.name_normalized | join(', ') }}) as partner_name_normalized,
        coalesce({{ chain.country_code | join(', ') }}) as country_code,
        industry,
        employee_count,
        coalesce({{ chain.website | join(', ') }}) as website,
        coalesce({{ chain.web_domain | join(', ') }}) as web_domain,
        coalesce(
            partner_type,
            case when crm_account_type in ('Reseller', 'Distributor') then crm_account_type end
        ) as partner_type,
        program_level,
        partner_status,
        contract_start_date,
        contract_end_date,
        {{ identity_utc_timestamp("last_verified_at") }} as last_verified_at,
        finance_currency_code as billing_currency_code,
        is_finance_inactive,
        channel_manager_key,
        anchor_source_system,
        anchor_record_id,
        source_system_count > 1 as is_matched_across_systems,
        -- A system that flags its partners (not only the LMS) knows this partner.
        (
            {%- for source in sources if source.flags_partners %}
            {{ source.system }}_record_count{{ ' +' if not loop.last }}
            {%- endfor %}
        ) > 0 as is_known_partner,
        has_duplicate_records,
        min_match_confidence,
        source_system_count,
        source_record_count,
        -- The published per-system columns (dim_partner's enforced contract): a new system is in
        -- source_record_ids, the counts and the attributes above; a column of its own is a change to the contract.
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
    from profiles

),

final as (

    select
        -- identity
        resolved.partner_id,
        resolved.partner_name,
        resolved.partner_name_normalized,

        -- firmographics
        resolved.country_code,
        countries.name as country_name,
        countries.region,
        countries.subregion,
        resolved.industry,
        resolved.employee_count,
        resolved.website,
        resolved.web_domain,

        -- relationship
        resolved.partner_type,
        tiers.tier,
        tiers.tier_source_system,
        tiers.tier_rank,
        resolved.program_level,
        resolved.partner_status,
        resolved.contract_start_date,
        resolved.contract_end_date,
        resolved.last_verified_at,
        resolved.billing_currency_code,
        resolved.is_finance_inactive,
        -- The channel account manager's pseudonym (int_partner__profile): name, e-mail and CRM user id stay in staging.
        resolved.channel_manager_key,

        -- resolution
        resolved.anchor_source_system,
        resolved.anchor_record_id,
        resolved.is_matched_across_systems,
        resolved.is_known_partner,
        resolved.has_duplicate_records,
        resolved.min_match_confidence,
        resolved.source_system_count,
        resolved.source_record_count,
        resolved.prm_partner_id,
        resolved.crm_account_id,
        resolved.lms_organization_id,
        resolved.marketing_company_id,
        resolved.finance_entity_id,
        resolved.prm_record_count,
        resolved.crm_record_count,
        resolved.lms_record_count,
        resolved.marketing_record_count,
        resolved.finance_record_count,
        resolved.prm_partner_ids,
        resolved.crm_account_ids,
        resolved.lms_organization_ids,
        resolved.marketing_company_ids,
        resolved.finance_entity_ids,
        resolved.source_record_ids

    from resolved
    inner join tiers on resolved.partner_id = tiers.partner_id
    left join {{ ref('countries') }} as countries on resolved.country_code = countries.iso2

)

select * from final
