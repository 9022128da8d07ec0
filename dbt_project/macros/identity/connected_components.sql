{#-
    Connected components of an undirected graph, in portable SQL (no recursive CTE): min-label propagation.

    Every node starts with its own id as label; each round, a node takes the smallest label among itself and its
    neighbours. After `iterations` rounds every node of a component whose diameter is at most `iterations` carries
    the component's smallest node id. The rounds are unrolled with a Jinja loop into CTEs, each reading the
    previous one once. Match clusters are small (one partner's records in five systems), so a handful of rounds
    suffice; the singular test `assert_partner_components_converged` runs one more round and fails if any label
    would still change.

    nodes:      relation with a `node_id` column (every node, matched or not)
    edges:      relation with `node_id_a`, `node_id_b` (undirected; both directions are added here)
    returns:    select node_id, component_id
-#}
{% macro connected_components(nodes, edges, iterations) -%}
    with

    directed_edges as (
        select node_id_a as node_id, node_id_b as neighbour_id from {{ edges }}
        union all
        select node_id_b as node_id, node_id_a as neighbour_id from {{ edges }}
        union all
        select node_id, node_id as neighbour_id from {{ nodes }}
    ),

    labels_0 as (
        select node_id, node_id as label from {{ nodes }}
    ),

    {%- for i in range(iterations) %}

    labels_{{ i + 1 }} as (
        {{ propagate_labels('labels_' ~ i, 'directed_edges') }}
    ),
    {%- endfor %}

    final as (
        select node_id, label as component_id from labels_{{ iterations }}
    )

    select * from final
{%- endmacro %}


{#-
    One round of min-label propagation: every node takes the smallest label among its neighbours'
    (`directed_edges` includes a self-loop per node, so its own label counts too).
-#}
{% macro propagate_labels(labels, directed_edges) -%}
    select
        {{ directed_edges }}.node_id,
        min(neighbour_labels.label) as label
    from {{ directed_edges }}
    inner join {{ labels }} as neighbour_labels
        on {{ directed_edges }}.neighbour_id = neighbour_labels.node_id
    group by {{ directed_edges }}.node_id
{%- endmacro %}
