{#-
    Data-quality findings: every record int_quality__record_flags flags (docs/data-quality.md). Severity says what
    the problem does to the numbers: high when money is miscounted (no USD amount, a won deal dated in the future),
    medium for an amount far outside its partner's range (it may be real, and it is counted), low for a code
    nobody mapped yet or a close date before creation (common when a closed deal is entered late).
-#}
with

flags as (

    select * from {{ ref('int_quality__record_flags') }}

),

final as (

    select
        {{ audit_finding(
            "'data_quality'", 'rule',
            "case when rule in ('unknown_currency', 'won_in_future') then 'high'"
            ~ " when rule = 'amount_outlier' then 'medium' else 'low' end",
            'source_system', 'source_table', 'source_record_id', 'partner_id', 'field_name',
            audit_text('flagged_value'), 'null', 'detail'
        ) }}
    from flags

)

select * from final
