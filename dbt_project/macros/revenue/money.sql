{#-
    Money is computed in whole cents (bigint) and shown as decimal(18,2), so that sums are exact: a double
    amount 1234.5 becomes 123450 cents, and 123450 cents become 1234.50 by decimal multiplication (no division,
    no binary fractions). Currencies with no minor unit (JPY) simply have 00 cents.
-#}
{% macro to_cents(amount) -%}
    cast(round({{ amount }} * 100, 0) as bigint)
{%- endmacro %}

{% macro cents_to_amount(cents) -%}
    cast(cast({{ cents }} as decimal(38, 0)) * 0.01 as decimal(18, 2))
{%- endmacro %}


{#-
    Currency conversion through int_revenue__currency_rates (one row per currency and rate month, valid from its
    month until the next rate month). Use in a join:

        left join {{ ref('int_revenue__currency_rates') }} as rates
            on {{ currency_rate_applies('rates', 'deals.currency_code', 'deals.close_date') }}

    and convert with {{ to_reporting_currency('deals.amount', 'rates') }}. A date before the first rate month of
    its currency finds no rate (null amount).
-#}
{% macro currency_rate_applies(rates, currency_code, on_date) -%}
    {{ rates }}.currency_code = {{ currency_code }}
    and cast({{ dbt.date_trunc('month', on_date) }} as date) >= {{ rates }}.valid_from_month
    and ({{ rates }}.valid_to_month is null
         or cast({{ dbt.date_trunc('month', on_date) }} as date) < {{ rates }}.valid_to_month)
{%- endmacro %}

{#- Amount in the reporting currency, rounded to cents, as decimal(18,2). -#}
{% macro to_reporting_currency(amount, rates) -%}
    {{ cents_to_amount(to_cents(amount ~ ' / ' ~ rates ~ '.units_per_reporting_currency')) }}
{%- endmacro %}
