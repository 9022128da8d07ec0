{#-
    Opportunities and deal registrations whose values pass the contracts but cannot be right (docs/data-quality.md):

      unknown_currency     an amount whose currency is missing, unknown or has no rate for the month: no USD
                           amount, so it is left out of every USD total
      won_in_future        won in the CRM with a close date after the as-of date: not won revenue (is_won false in
                           int_revenue__opportunities)
      close_before_create  an opportunity closing before the day it was created
      amount_outlier       an opportunity's USD amount above quality_outlier_factor x the median won amount of its
                           partner, for partners with at least quality_outlier_min_won_deals won deals: a median
                           is not moved by the outlier itself, and five deals make a range worth judging against

    The partner of an opportunity is its sourcing partner, else its primary partner on the opportunity, else the
    first by id (int_revenue__opportunity_partners); a partner's range is that of the deals it is the partner of.
-#}
{%- set string_type = dbt.type_string() %}
{%- set as_of = revenue_as_of_date() %}

with

opportunities as (

    select * from {{ ref('int_revenue__opportunities') }}

),

-- The one partner an opportunity's flags and range belong to.
opportunity_partner as (

    select opportunity_id, partner_id
    from (
        select
            opportunity_id,
            partner_id,
            row_number() over (
                partition by opportunity_id
                order by
                    case when is_sourced then 0 when is_primary_partner then 1 else 2 end,
                    partner_id
            ) as preference
        from {{ ref('int_revenue__opportunity_partners') }}
    ) as ranked
    where preference = 1

),

deals as (

    select
        opportunities.*,
        opportunity_partner.partner_id
    from opportunities
    left join opportunity_partner on opportunities.opportunity_id = opportunity_partner.opportunity_id

),

opportunity_unknown_currency as (

    select
        'crm' as source_system,
        'opportunity' as source_table,
        opportunity_id as source_record_id,
        partner_id,
        'unknown_currency' as rule,
        'currency_iso_code' as field_name,
        coalesce(currency_raw, '(none)') as flagged_value,
        {{ dbt.concat([
            "case when currency_raw is null then 'no currency' when currency_code is null then 'unknown currency code'"
            ~ " else " ~ dbt.concat(["'no rate for '", 'currency_code', "' in the close month'"]) ~ " end",
            "': no USD amount, left out of USD totals'"
        ]) }} as detail,
        _source_file,
        _source_line
    from deals
    where amount is not null and amount_usd_cents is null

),

won_in_future as (

    select
        'crm' as source_system,
        'opportunity' as source_table,
        opportunity_id as source_record_id,
        partner_id,
        'won_in_future' as rule,
        'close_date' as field_name,
        cast(close_date as {{ string_type }}) as flagged_value,
        {{ dbt.concat(["'won, but closes after the as-of date '", "cast(" ~ as_of ~ " as " ~ string_type ~ ")",
                       "': not counted as won revenue'"]) }} as detail,
        _source_file,
        _source_line
    from deals
    where is_won_in_crm and close_date > {{ as_of }}

),

close_before_create as (

    select
        'crm' as source_system,
        'opportunity' as source_table,
        opportunity_id as source_record_id,
        partner_id,
        'close_before_create' as rule,
        'close_date' as field_name,
        cast(close_date as {{ string_type }}) as flagged_value,
        {{ dbt.concat(["'closes before it was created on '", "cast(cast(created_at as date) as " ~ string_type ~ ")"]) }}
            as detail,
        _source_file,
        _source_line
    from deals
    where close_date < cast(created_at as date)

),

partner_ranges as (

    select
        partner_id,
        count(*) as won_deals,
        {{ quality_median('amount_usd_cents') }} as median_won_usd_cents
    from deals
    where is_won and amount_usd_cents is not null and partner_id is not null
    group by partner_id

),

amount_outlier as (

    select
        'crm' as source_system,
        'opportunity' as source_table,
        deals.opportunity_id as source_record_id,
        deals.partner_id,
        'amount_outlier' as rule,
        'amount' as field_name,
        cast(deals.amount_usd as {{ string_type }}) as flagged_value,
        {{ dbt.concat([
            "'more than " ~ var('quality_outlier_factor') ~ "x the partner''s median won deal of '",
            "cast(cast(partner_ranges.median_won_usd_cents / 100.0 as decimal(18, 2)) as " ~ string_type ~ ")",
            "' USD ('", "cast(partner_ranges.won_deals as " ~ string_type ~ ")", "' won deals)'"
        ]) }} as detail,
        deals._source_file,
        deals._source_line
    from deals
    inner join partner_ranges on deals.partner_id = partner_ranges.partner_id
    where partner_ranges.won_deals >= {{ var('quality_outlier_min_won_deals') }}
        and partner_ranges.median_won_usd_cents > 0
        and deals.amount_usd_cents > {{ var('quality_outlier_factor') }} * partner_ranges.median_won_usd_cents

),

registration_unknown_currency as (

    select
        'prm' as source_system,
        'deal_registration' as source_table,
        registrations.deal_registration_id as source_record_id,
        registrations.partner_id,
        'unknown_currency' as rule,
        'currency' as field_name,
        coalesce(staged.currency_raw, '(none)') as flagged_value,
        {{ dbt.concat([
            "case when staged.currency_raw is null then 'no currency' when registrations.currency_code is null"
            ~ " then 'unknown currency code' else "
            ~ dbt.concat(["'no rate for '", 'registrations.currency_code', "' in the submission month'"]) ~ " end",
            "': no USD estimate, left out of USD totals'"
        ]) }} as detail,
        registrations._source_file,
        registrations._source_line
    from {{ ref('int_revenue__deal_registrations') }} as registrations
    inner join {{ ref('stg_prm__deal_registration') }} as staged
        on registrations.deal_registration_id = staged.deal_registration_id
    left join {{ ref('int_revenue__currency_rates') }} as rates
        on {{ currency_rate_applies('rates', 'registrations.currency_code', 'registrations.submitted_at') }}
    where registrations.estimated_amount is not null and rates.currency_code is null

),

unioned as (

    select * from opportunity_unknown_currency
    union all
    select * from won_in_future
    union all
    select * from close_before_create
    union all
    select * from amount_outlier
    union all
    select * from registration_unknown_currency

),

final as (

    select
        {{ quality_flag_id() }} as flag_id,
        {{ quality_flag_columns() }},
        _source_file,
        _source_line
    from unioned

)

select * from final
