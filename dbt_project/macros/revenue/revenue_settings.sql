{#-
    Settings of the revenue facts, with their defaults in one place. Override any of them with
    `--vars '{attribution_lookback_days: 90}'` (or in dbt_project.yml vars).

    attribution_lookback_days     a campaign touch counts for an opportunity when it happened at most this many
                                  days before the close date (and not after it)
    attribution_half_life_days    time_decay attribution: a touch this many days before close weighs half as much
                                  as a touch on the close date
    fiscal_year_start_month       first month of the fiscal year (1 = calendar year); a fiscal year is named by the
                                  calendar year it ends in (start month 2: Feb 2026 - Jan 2027 is FY2027)
    partner_referral_lead_sources lead sources (lowercase) that say a partner referred the deal
-#}
{% macro revenue_setting(name) -%}
    {%- set defaults = {
        'attribution_lookback_days': 180,
        'attribution_half_life_days': 30,
        'fiscal_year_start_month': 1,
        'partner_referral_lead_sources': ['partner referral'],
    } -%}
    {{- return(var(name, defaults[name])) -}}
{%- endmacro %}


{#- The day the warehouse describes (var as_of_date, a 'YYYY-MM-DD' string), as a SQL date. -#}
{% macro revenue_as_of_date() -%}
    {{ as_of_date_sql() }}
{%- endmacro %}


{#- Is the (cleaned) lead source one that says a partner referred the deal? -#}
{% macro is_partner_referral_source(expression) -%}
    coalesce(lower({{ expression }}) in (
        {%- for source in revenue_setting('partner_referral_lead_sources') -%}
            '{{ source | lower }}'{{ ', ' if not loop.last }}
        {%- endfor -%}
    ), false)
{%- endmacro %}
