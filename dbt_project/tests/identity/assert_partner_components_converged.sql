{#-
    Label propagation (macro connected_components) ran enough rounds: one more round changes no component label,
    in the exact-evidence clusters and in the final ones. If this fails, a cluster is wider than
    var('identity_label_rounds'): raise it.
-#}
{%- set graphs = [
    ('int_partner__exact_components', 'int_partner__exact_edges'),
    ('int_partner__components', 'int_partner__match_edges'),
] -%}
with
{% for components, edges in graphs %}
{{ components }}_edges as (
    select node_id_a as node_id, node_id_b as neighbour_id from {{ ref(edges) }}
    union all
    select node_id_b, node_id_a from {{ ref(edges) }}
    union all
    select node_id, node_id as neighbour_id from {{ ref(components) }}
),

{{ components }}_labels as (
    select node_id, component_id as label from {{ ref(components) }}
),

{{ components }}_next as (
    {{ propagate_labels(components ~ '_labels', components ~ '_edges') }}
),
{% endfor %}

changed as (
{%- for components, edges in graphs %}
    select '{{ components }}' as model_name, current_labels.node_id, current_labels.label, next_labels.label as next_label
    from {{ components }}_labels as current_labels
    inner join {{ components }}_next as next_labels on current_labels.node_id = next_labels.node_id
    where current_labels.label <> next_labels.label
    {{ 'union all' if not loop.last }}
{%- endfor %}
)

select * from changed
