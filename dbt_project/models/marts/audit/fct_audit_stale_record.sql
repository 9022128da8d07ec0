{#-
    Stale records, one row per finding, as of var('as_of_date'):
    - profile_not_verified: a PRM partner profile whose last verification is older than var('stale_profile_months')
      (or that was never verified);
    - no_recent_activity: a PRM partner with no activity (int_engagement__partner_activities, the one definition:
      portal events, deal registrations, MDF requests, training, campaign touches, deals opened or closed) in the
      var('inactivity_days') days before the as-of date (activities after it do not count);
    - opportunity_past_close_date: an open CRM opportunity whose close date has passed;
    - registration_past_expiry_open: a PRM deal registration still submitted/approved and unconverted past expiry.
-#}
with

prm_partners as (

    select
        records.source_record_id as prm_partner_id,
        {{ to_utc_date('records.verified_at') }} as last_verified_date,
        crosswalk.partner_id
    from {{ ref('int_partner__record_attributes') }} as records
    {{ resolve_partner_id('records.source_system', 'records.source_record_id') }}
    where records.source_system = 'prm'

),

profile_not_verified as (

    select
        {{ audit_finding(
            "'stale'", "'profile_not_verified'", "'medium'", "'prm'", "'partner'", 'prm_partner_id', 'partner_id',
            "'last_verified_at'", audit_text('last_verified_date'), "null",
            "'profile not verified since " ~ var('stale_profile_months') ~ " months or more'"
        ) }}
    from prm_partners
    where last_verified_date is null
        or last_verified_date < {{ dbt.dateadd('month', -1 * var('stale_profile_months'), audit_as_of_date()) }}

),

last_activity as (

    select
        partner_id,
        max(activity_date) as last_activity_date
    from {{ ref('int_engagement__partner_activities') }}
    where activity_date <= {{ audit_as_of_date() }}
    group by partner_id

),

-- One finding per partner (its primary PRM record), not per PRM duplicate.
program_partners as (

    select partner_id, prm_partner_id
    from {{ ref('dim_partner') }}
    where prm_partner_id is not null

),

no_recent_activity as (

    select
        {{ audit_finding(
            "'stale'", "'no_recent_activity'", "'medium'", "'prm'", "'partner'", 'program_partners.prm_partner_id',
            'program_partners.partner_id', "'last_activity_date'", audit_text('last_activity.last_activity_date'), "null",
            "'no activity (portal, deal registration, MDF, training, campaign or deal) in " ~ var('inactivity_days') ~ " days'"
        ) }}
    from program_partners
    left join last_activity on program_partners.partner_id = last_activity.partner_id
    where last_activity.last_activity_date is null
        or last_activity.last_activity_date < {{ dbt.dateadd('day', -1 * var('inactivity_days'), audit_as_of_date()) }}

),

-- The primary partner of each opportunity (the partner on it flagged primary, resolved through the crosswalk).
primary_partners as (

    select
        opportunity_id,
        max(partner_id) as partner_id
    from {{ ref('int_revenue__partner_touches') }}
    where touch_kind = 'opportunity_partner'
        and is_primary_partner
        and partner_id is not null
    group by opportunity_id

),

opportunity_past_close_date as (

    select
        {{ audit_finding(
            "'stale'", "'opportunity_past_close_date'", "'medium'", "'crm'", "'opportunity'", 'opportunities.opportunity_id',
            'primary_partners.partner_id', "'close_date'", audit_text('opportunities.close_date'), "null",
            "'opportunity still open after its close date'"
        ) }}
    from {{ ref('int_revenue__opportunities') }} as opportunities
    left join primary_partners on opportunities.opportunity_id = primary_partners.opportunity_id
    where not opportunities.is_closed
        and opportunities.close_date < {{ audit_as_of_date() }}

),

registration_past_expiry_open as (

    select
        {{ audit_finding(
            "'stale'", "'registration_past_expiry_open'", "'low'", "'prm'", "'deal_registration'", 'deal_registration_id',
            'partner_id', "'expires_at'", audit_text('expiry_date'), "null",
            dbt.concat(["'registration still '", 'lower(registration_status)', "' after expiry'"])
        ) }}
    from {{ ref('fct_deal_registration') }}
    where is_open_past_expiry

),

final as (

    select * from profile_not_verified
    union all
    select * from no_recent_activity
    union all
    select * from opportunity_past_close_date
    union all
    select * from registration_past_expiry_open

)

select * from final
