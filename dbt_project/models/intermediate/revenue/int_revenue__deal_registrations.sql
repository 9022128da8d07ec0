{#-
    PRM deal registrations with their partner (through the crosswalk) and the opportunity they converted into.
    The link comes from either side: the PRM's converted_opportunity_id, or a CRM opportunity whose
    Deal_Registration_Id__c names the registration. When both exist and disagree, the PRM (the system of record
    for registrations) wins and the conflict is flagged.
-#}
with

registrations as (

    select * from {{ ref('stg_prm__deal_registration') }}

),

opportunities as (

    select opportunity_id, deal_registration_id from {{ ref('int_revenue__opportunities') }}

),

-- An opportunity that names a registration; if several name the same one, the smallest id (deterministic).
crm_links as (

    select deal_registration_id, min(opportunity_id) as opportunity_id
    from opportunities
    where deal_registration_id is not null
    group by deal_registration_id

),

final as (

    select
        registrations.deal_registration_id,
        registrations.prm_partner_id,
        crosswalk.partner_id,
        registrations.registration_status,
        registrations.customer_name,
        registrations.estimated_amount,
        registrations.currency_code,
        registrations.submitted_at,
        registrations.approved_at,
        registrations.expires_at,
        coalesce(registrations.converted_opportunity_id, crm_links.opportunity_id) as converted_opportunity_id,
        case
            when registrations.converted_opportunity_id is not null and crm_links.opportunity_id is not null
                and registrations.converted_opportunity_id = crm_links.opportunity_id then 'both'
            when registrations.converted_opportunity_id is not null then 'prm'
            when crm_links.opportunity_id is not null then 'crm'
        end as conversion_link_source,
        coalesce(registrations.converted_opportunity_id <> crm_links.opportunity_id, false)
            as has_conflicting_conversion_link,
        -- Approved = the vendor accepted it; an approved registration may later expire, it still was approved.
        registrations.approved_at is not null and registrations.registration_status <> 'Rejected' as is_approved,
        coalesce(registrations.converted_opportunity_id, crm_links.opportunity_id) is not null as is_converted,
        registrations._source_file,
        registrations._source_line
    from registrations
    {{ resolve_partner_id("'prm'", 'registrations.prm_partner_id') }}
    left join crm_links on registrations.deal_registration_id = crm_links.deal_registration_id

)

select * from final
