{#-
    Resolve a source record to its partner_id, as of the build: a join to the identity crosswalk
    (int_partner__crosswalk), which every run rebuilds from the partner records as they stand on the build date, so
    a fact always takes the partner its record belongs to today (a record merged into another partner since the last
    run moves with it). This is the one way a model turns "a record of system S with id R" into a partner_id.

    Arguments are SQL expressions:
      source_system  the record's system: a literal ("'prm'") or a column ('events.source_system')
      record_id      the id of the partner record in that system ('registrations.prm_partner_id')
      alias          the name the crosswalk takes in the query: select `<alias>.partner_id`
      join_type      'left' keeps records the crosswalk does not know (partner_id null); 'inner' drops them

    Usage:
        select events.*, crosswalk.partner_id
        from events
        {{ resolve_partner_id('events.source_system', 'events.partner_record_id') }}
-#}
{% macro resolve_partner_id(source_system, record_id, alias='crosswalk', join_type='left') -%}
    {{ join_type }} join {{ ref('int_partner__crosswalk') }} as {{ alias }}
        on {{ source_system }} = {{ alias }}.source_system
        and {{ record_id }} = {{ alias }}.source_record_id
{%- endmacro %}
