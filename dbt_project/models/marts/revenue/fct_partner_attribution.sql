{#-
    Credit of every partner that touched an opportunity, under five attribution models. Touches (eligible rows of
    int_revenue__partner_touches) are ordered by time, then kind (sourcing first), partner_id and touch_id; that
    order gives each touch its position 1..n. Each model weighs the touches:

      first_touch     position 1 gets everything
      last_touch      position n gets everything
      linear          every touch the same
      time_decay      0.5 ^ (days from touch to close / var attribution_half_life_days); touches after close = 0 days
      position_based  40% first, 40% last, 20% shared by the touches between; 1 or 2 touches split evenly

    A partner's share = its touches' weight / all touches' weight. Money is split in whole cents: each partner
    gets floor(cents x share), and the cents left over go to the partner with the largest share (then the
    earliest position), so the credits of an opportunity sum exactly to its amount, in its currency and in USD.
    Opportunities without an amount are left out.
-#}
{%- set half_life_days = revenue_setting('attribution_half_life_days') %}
{%- set models = ['first_touch', 'last_touch', 'linear', 'time_decay', 'position_based'] %}

with

opportunities as (

    select * from {{ ref('int_revenue__opportunities') }}
    where amount_cents is not null

),

touches as (

    select * from {{ ref('int_revenue__partner_touches') }}
    where is_eligible

),

positioned as (

    select
        touches.opportunity_id,
        touches.partner_id,
        row_number() over (
            partition by touches.opportunity_id
            order by touches.touch_at, touches.touch_kind_order, touches.partner_id, touches.touch_id
        ) as touch_position,
        count(*) over (partition by touches.opportunity_id) as touch_count,
        case
            when {{ dbt.datediff('touches.touch_date', 'opportunities.close_date', 'day') }} > 0
                then {{ dbt.datediff('touches.touch_date', 'opportunities.close_date', 'day') }}
            else 0
        end as days_before_close
    from touches
    inner join opportunities on touches.opportunity_id = opportunities.opportunity_id

),

attribution_models as (

    {% for model in models -%}
    select '{{ model }}' as attribution_model
    {% if not loop.last %}union all
    {% endif -%}
    {%- endfor %}

),

weighted as (

    select
        positioned.*,
        attribution_models.attribution_model,
        -- In floating point on every engine (Spark would divide decimals to 6 digits).
        cast(case attribution_models.attribution_model
            when 'first_touch' then case when positioned.touch_position = 1 then 1 else 0 end
            when 'last_touch' then case when positioned.touch_position = positioned.touch_count then 1 else 0 end
            when 'linear' then 1
            -- Counted from the opportunity's touch nearest to close: the shares are the same (a constant factor),
            -- and a deal dated decades ahead (2099, a data-quality flag) cannot underflow every weight to 0.
            when 'time_decay'
                then power(0.5, cast(
                    positioned.days_before_close
                    - min(positioned.days_before_close) over (partition by positioned.opportunity_id)
                    as {{ type_double() }}) / {{ half_life_days }})
            when 'position_based' then
                case
                    when positioned.touch_count <= 2 then 1 / cast(positioned.touch_count as {{ type_double() }})
                    when positioned.touch_position = 1 or positioned.touch_position = positioned.touch_count then 0.4
                    else 0.2 / cast(positioned.touch_count - 2 as {{ type_double() }})
                end
        end as {{ type_double() }}) as touch_weight
    from positioned
    cross join attribution_models

),

partner_weights as (

    select
        opportunity_id,
        partner_id,
        attribution_model,
        cast(count(*) as integer) as partner_touch_count,
        min(touch_position) as first_touch_position,
        -- Rounded: a float sum depends on the order rows arrive in, and the result must not (idempotent builds).
        round(sum(touch_weight), 12) as partner_weight
    from weighted
    group by opportunity_id, partner_id, attribution_model

),

shares as (

    select
        partner_weights.*,
        round(partner_weight / sum(partner_weight) over (partition by opportunity_id, attribution_model), 12) as credit_share,
        row_number() over (
            partition by opportunity_id, attribution_model
            order by partner_weight desc, first_touch_position asc
        ) as share_rank
    from partner_weights

),

-- Whole cents below the exact share. round(.., 6) first: 1/3 x 300 is 99.999...9 in binary, and must floor to 100.
floored as (

    select
        shares.*,
        opportunities.amount_cents,
        opportunities.amount_usd_cents,
        cast(floor(round(opportunities.amount_cents * shares.credit_share, 6)) as bigint) as floor_cents,
        cast(floor(round(opportunities.amount_usd_cents * shares.credit_share, 6)) as bigint) as floor_usd_cents
    from shares
    inner join opportunities on shares.opportunity_id = opportunities.opportunity_id

),

-- The cents the floors left over all go to the partner ranked first (largest share, then earliest touch).
credited as (

    select
        floored.*,
        floor_cents + case
            when share_rank = 1
                then amount_cents - sum(floor_cents) over (partition by opportunity_id, attribution_model)
            else 0
        end as credit_cents,
        floor_usd_cents + case
            when share_rank = 1
                then amount_usd_cents - sum(floor_usd_cents) over (partition by opportunity_id, attribution_model)
            else 0
        end as credit_usd_cents
    from floored

),

final as (

    select
        {{ dbt.hash(dbt.concat(['credited.opportunity_id', "'|'", 'credited.partner_id', "'|'",
                                'credited.attribution_model'])) }} as attribution_credit_key,
        {{ dbt.hash(dbt.concat(['credited.opportunity_id', "'|'", 'credited.partner_id'])) }}
            as opportunity_partner_key,
        credited.opportunity_id,
        credited.partner_id,
        credited.attribution_model,
        credited.partner_touch_count,
        credited.credit_share,
        credited.share_rank = 1 as holds_rounding_remainder,
        opportunities.currency_code,
        {{ cents_to_amount('credited.credit_cents') }} as credit_amount,
        {{ cents_to_amount('credited.credit_usd_cents') }} as credit_amount_usd,
        opportunities.stage_category,
        opportunities.is_won,
        opportunities.close_date,
        opportunities.fiscal_quarter_label
    from credited
    inner join opportunities on credited.opportunity_id = opportunities.opportunity_id

)

select * from final
