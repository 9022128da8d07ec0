{#-
    Currency rates to the reporting currency (var reporting_currency), one row per currency and month from which a
    rate applies: a month with a seed rate of the currency or of the reporting currency. The rate of a currency in
    a month is its seed rate of the nearest month at or before it, so a month missing from the seed, or a date
    after its last month, falls back to the nearest earlier month. Each row is valid from valid_from_month until
    the currency's next row (valid_to_month, exclusive; null = open-ended). Join with the macro
    currency_rate_applies() and convert with to_reporting_currency() (macros/revenue/money.sql).
-#}
{%- set reporting_currency = var('reporting_currency') %}

with

rates as (

    select currency_code, cast(rate_month as date) as rate_month, units_per_usd
    from {{ ref('currency_rates') }}
    where units_per_usd > 0

),

first_months as (

    select currency_code, min(rate_month) as first_month
    from rates
    group by currency_code

),

-- A currency's rate changes when its own seed rate or the reporting currency's does.
change_months as (

    select currency_code, rate_month from rates
    union
    select first_months.currency_code, reporting.rate_month
    from first_months
    inner join rates as reporting
        on reporting.currency_code = '{{ reporting_currency }}'
        and first_months.first_month <= reporting.rate_month

),

-- For every change month, the latest seed rate at or before it: of the currency, and of the reporting currency.
applicable as (

    select
        change_months.currency_code,
        change_months.rate_month,
        own.units_per_usd,
        reporting.units_per_usd as reporting_units_per_usd,
        row_number() over (
            partition by change_months.currency_code, change_months.rate_month
            order by own.rate_month desc, reporting.rate_month desc
        ) as recency
    from change_months
    inner join rates as own
        on change_months.currency_code = own.currency_code
        and change_months.rate_month >= own.rate_month
    inner join rates as reporting
        on reporting.currency_code = '{{ reporting_currency }}'
        and change_months.rate_month >= reporting.rate_month

),

final as (

    select
        currency_code,
        rate_month,
        rate_month as valid_from_month,
        lead(rate_month) over (partition by currency_code order by rate_month) as valid_to_month,
        units_per_usd,
        -- Cross rate through USD: units of the currency per unit of the reporting currency in that month.
        units_per_usd / reporting_units_per_usd as units_per_reporting_currency,
        '{{ reporting_currency }}' as reporting_currency
    from applicable
    where recency = 1

)

select * from final
