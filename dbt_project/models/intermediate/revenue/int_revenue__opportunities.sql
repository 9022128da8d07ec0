{#-
    CRM opportunities ready for revenue facts: amount in exact cents and converted to the reporting currency at the
    rate of the close date's month, weighted pipeline, fiscal quarter and its distance from the as-of quarter.
    A deal the CRM calls won with a close date after the as-of date cannot have been won yet (a typo, "2099"):
    it is not won revenue (is_won false, is_won_in_crm true) and int_quality__record_flags flags it.
-#}
with

opportunities as (

    select * from {{ ref('stg_crm__opportunity') }}

),

rates as (

    select * from {{ ref('int_revenue__currency_rates') }}

),

converted as (

    select
        opportunities.*,
        {{ to_cents('opportunities.amount') }} as amount_cents,
        {{ to_cents('opportunities.amount / rates.units_per_reporting_currency') }} as amount_usd_cents
    from opportunities
    left join rates
        on {{ currency_rate_applies('rates', 'opportunities.currency_code', 'opportunities.close_date') }}

),

final as (

    select
        opportunity_id,
        account_id,
        deal_registration_id,
        opportunity_name,
        stage_name,
        stage_category,
        is_closed,
        case when is_won and close_date > {{ revenue_as_of_date() }} then false else is_won end as is_won,
        is_won as is_won_in_crm,
        probability_pct,
        lead_source,
        {{ is_partner_referral_source('lead_source') }} as is_partner_referral,
        currency_code,
        currency_raw,
        amount_cents,
        {{ cents_to_amount('amount_cents') }} as amount,
        amount_usd_cents,
        {{ cents_to_amount('amount_usd_cents') }} as amount_usd,
        -- Expected value of an open deal: amount x win probability (the CRM's, else the stage's default).
        case
            when stage_category = 'open'
                then {{ cents_to_amount('cast(round(amount_usd_cents * probability_pct / 100, 0) as bigint)') }}
        end as weighted_amount_usd,
        close_date,
        created_at,
        {{ fiscal_year('close_date') }} as fiscal_year,
        {{ fiscal_quarter('close_date') }} as fiscal_quarter,
        {{ fiscal_quarter_label('close_date') }} as fiscal_quarter_label,
        {{ fiscal_quarter_index('close_date') }} as fiscal_quarter_index,
        -- 0 = the quarter of the as-of date, 1-4 = the last four completed quarters, negative = future quarters.
        {{ fiscal_quarter_index(revenue_as_of_date()) }} - {{ fiscal_quarter_index('close_date') }}
            as fiscal_quarters_before_as_of,
        _source_file,
        _source_line
    from converted

)

select * from final
