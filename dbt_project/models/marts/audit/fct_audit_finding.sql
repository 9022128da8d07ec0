{#- Every audit finding of the run (stale, duplicate, conflict, orphan, certification risk, data quality, source
    file), in one shape. -#}
{%- set models = ['fct_audit_stale_record', 'fct_audit_duplicate_partner', 'fct_audit_conflict', 'fct_audit_orphan',
                  'fct_audit_certification_risk', 'fct_audit_data_quality',
                  'fct_audit_source_file'] %}
with

unioned as (

    {% for model in models %}
    select {{ audit_finding_columns() | join(', ') }}
    from {{ ref(model) }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}

),

final as (

    select
        unioned.*,
        {{ audit_severity_rank('severity') }} as severity_rank
    from unioned

)

select * from final
