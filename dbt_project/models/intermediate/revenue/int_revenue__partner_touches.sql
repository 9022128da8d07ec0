{#-
    Every partner touch on an opportunity, one row per source record, with its time, kind and partner:

      deal_registration     a registration converted into the opportunity (sourcing when approved)
      lead_source_referral  the opportunity's lead source is a partner referral: its primary partner (sourcing)
      referral_lead         a marketing lead referred by a partner, converted into the opportunity (sourcing)
      opportunity_partner   a partner on the opportunity (OpportunityPartner), with its CRM role
      campaign              a campaign member touch of a partner campaign (co-marketing or MDF-funded) on a lead
                            converted into the opportunity; counts within the lookback window before close

    The partner is resolved through int_partner__crosswalk from the record id of the system that names it; a
    touch whose partner record is unknown to the crosswalk keeps a null partner_id and is not eligible.
-#}
{%- set lookback_days = revenue_setting('attribution_lookback_days') | int %}

with

opportunities as (

    select opportunity_id, close_date, created_at, is_partner_referral
    from {{ ref('int_revenue__opportunities') }}

),

registrations as (

    select * from {{ ref('int_revenue__deal_registrations') }}

),

opportunity_partners as (

    select * from {{ ref('stg_crm__opportunity_partner') }}

),

roles as (

    select lower(trim(partner_role)) as role_key, role_category
    from {{ ref('opportunity_partner_roles') }}

),

leads as (

    select * from {{ ref('stg_marketing__lead') }}
    where converted_opportunity_id is not null

),

partner_campaigns as (

    select
        campaigns.campaign_id,
        campaigns.mdf_request_id,
        -- The partner running the campaign; an MDF-funded campaign without one belongs to the MDF requester.
        case when campaigns.partner_company_id is not null then 'marketing' else 'prm' end as partner_source_system,
        coalesce(campaigns.partner_company_id, mdf.prm_partner_id) as partner_source_record_id
    from {{ ref('stg_marketing__campaign') }} as campaigns
    left join {{ ref('stg_prm__mdf_request') }} as mdf on campaigns.mdf_request_id = mdf.mdf_request_id
    where coalesce(campaigns.partner_company_id, mdf.prm_partner_id) is not null

),

deal_registration_touches as (

    select
        'deal_registration' as touch_kind,
        deal_registration_id as source_record_id,
        converted_opportunity_id as opportunity_id,
        cast(submitted_at as {{ dbt.type_timestamp() }}) as touch_at,
        'prm' as partner_source_system,
        prm_partner_id as partner_source_record_id,
        cast(null as {{ dbt.type_string() }}) as crm_partner_role,
        cast(null as {{ dbt.type_boolean() }}) as is_primary_partner,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        is_approved as is_sourcing_touch
    from registrations
    where is_converted

),

-- The partner a "Partner Referral" lead source points to: the primary partner, else one in the Referral role.
referral_partner as (

    select opportunity_id, partner_account_id
    from (
        select
            opportunity_partners.opportunity_id,
            opportunity_partners.partner_account_id,
            row_number() over (
                partition by opportunity_partners.opportunity_id
                order by
                    case when opportunity_partners.is_primary then 0 else 1 end,
                    opportunity_partners.created_at,
                    opportunity_partners.opportunity_partner_id
            ) as preference
        from opportunity_partners
        where opportunity_partners.is_primary or lower(opportunity_partners.partner_role) = 'referral'
    ) as ranked
    where preference = 1

),

lead_source_touches as (

    select
        'lead_source_referral' as touch_kind,
        opportunities.opportunity_id as source_record_id,
        opportunities.opportunity_id,
        cast(opportunities.created_at as {{ dbt.type_timestamp() }}) as touch_at,
        'crm' as partner_source_system,
        referral_partner.partner_account_id as partner_source_record_id,
        cast(null as {{ dbt.type_string() }}) as crm_partner_role,
        cast(null as {{ dbt.type_boolean() }}) as is_primary_partner,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        true as is_sourcing_touch
    from opportunities
    inner join referral_partner on opportunities.opportunity_id = referral_partner.opportunity_id
    where opportunities.is_partner_referral

),

referral_lead_touches as (

    select
        'referral_lead' as touch_kind,
        -- A lead is a person: the touch is known by the lead's pseudonym, never its marketing lead id.
        {{ pseudonymize('lead_id') }} as source_record_id,
        converted_opportunity_id as opportunity_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as touch_at,
        'marketing' as partner_source_system,
        referring_partner_company_id as partner_source_record_id,
        cast(null as {{ dbt.type_string() }}) as crm_partner_role,
        cast(null as {{ dbt.type_boolean() }}) as is_primary_partner,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        true as is_sourcing_touch
    from leads
    where referring_partner_company_id is not null

),

opportunity_partner_touches as (

    select
        'opportunity_partner' as touch_kind,
        opportunity_partner_id as source_record_id,
        opportunity_id,
        cast(created_at as {{ dbt.type_timestamp() }}) as touch_at,
        'crm' as partner_source_system,
        partner_account_id as partner_source_record_id,
        partner_role as crm_partner_role,
        is_primary as is_primary_partner,
        cast(null as {{ dbt.type_string() }}) as campaign_id,
        false as is_sourcing_touch
    from opportunity_partners

),

campaign_touches as (

    select
        'campaign' as touch_kind,
        members.campaign_member_id as source_record_id,
        leads.converted_opportunity_id as opportunity_id,
        cast(members.touched_at as {{ dbt.type_timestamp() }}) as touch_at,
        partner_campaigns.partner_source_system,
        partner_campaigns.partner_source_record_id,
        cast(null as {{ dbt.type_string() }}) as crm_partner_role,
        cast(null as {{ dbt.type_boolean() }}) as is_primary_partner,
        members.campaign_id,
        false as is_sourcing_touch
    from {{ ref('stg_marketing__campaign_member') }} as members
    inner join leads on members.lead_id = leads.lead_id
    inner join partner_campaigns on members.campaign_id = partner_campaigns.campaign_id

),

all_touches as (

    select * from deal_registration_touches
    union all
    select * from lead_source_touches
    union all
    select * from referral_lead_touches
    union all
    select * from opportunity_partner_touches
    union all
    select * from campaign_touches

),

-- A touch without its own time counts as happening when the opportunity was created.
timed as (

    select
        all_touches.*,
        coalesce(
            all_touches.touch_at,
            cast(opportunities.created_at as {{ dbt.type_timestamp() }}),
            cast(opportunities.close_date as {{ dbt.type_timestamp() }})
        ) as touch_time,
        opportunities.close_date
    from all_touches
    inner join opportunities on all_touches.opportunity_id = opportunities.opportunity_id

),

final as (

    select
        {{ dbt.concat(['timed.touch_kind', "'|'", 'timed.source_record_id']) }} as touch_id,
        timed.opportunity_id,
        timed.touch_kind,
        -- Order of the kinds among touches at the same moment (attribution positions): sourcing first.
        case timed.touch_kind
            when 'deal_registration' then 1
            when 'lead_source_referral' then 2
            when 'referral_lead' then 3
            when 'opportunity_partner' then 4
            else 5
        end as touch_kind_order,
        timed.source_record_id,
        timed.touch_time as touch_at,
        cast(timed.touch_time as date) as touch_date,
        timed.partner_source_system,
        timed.partner_source_record_id,
        crosswalk.partner_id,
        crosswalk.partner_id is not null as is_partner_resolved,
        timed.is_sourcing_touch,
        timed.touch_kind in ('opportunity_partner', 'lead_source_referral') as is_on_opportunity,
        timed.crm_partner_role,
        case
            when timed.touch_kind = 'opportunity_partner' then coalesce(roles.role_category, 'influenced')
        end as role_category,
        timed.is_primary_partner,
        timed.campaign_id,
        timed.close_date,
        -- Campaign touches count only inside the lookback window before close (close day included); the other
        -- kinds are links of the opportunity itself and always count.
        timed.touch_kind <> 'campaign'
        or (
            cast(timed.touch_time as date) <= timed.close_date
            and cast(timed.touch_time as date)
            >= cast({{ dbt.dateadd('day', -lookback_days, 'timed.close_date') }} as date)
        ) as is_within_lookback
    from timed
    {{ resolve_partner_id('timed.partner_source_system', 'timed.partner_source_record_id') }}
    left join roles on lower(trim(timed.crm_partner_role)) = roles.role_key

)

select
    *,
    is_partner_resolved and is_within_lookback as is_eligible
from final
