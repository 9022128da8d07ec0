{#-
    The partner crosswalk: one row per partner record of every system, with the warehouse-wide partner_id it
    resolves to. Other models join their facts on (source_system, source_record_id) -> partner_id.
-#}
with

records as (

    select * from {{ ref('int_partner__source_records') }}

),

components as (

    select * from {{ ref('int_partner__components') }}

),

edges as (

    select * from {{ ref('int_partner__match_edges') }}

),

clustered as (

    select
        records.*,
        components.component_id
    from records
    inner join components on records.node_id = components.node_id

),

-- A `candidate` record (a marketing company whose is_partner is blank, a finance entity not typed partner) is a
-- partner only when it matched a partner record of another system that flags its partners: not the LMS, which
-- holds customers' training orgs as well.
partner_systems as (

    select distinct component_id, source_system
    from clustered
    where scope = 'partner' and source_system <> 'lms'

),

kept as (

    select clustered.*
    from clustered
    where clustered.scope = 'partner'
        or (
            clustered.scope = 'candidate'
            and exists (
                select 1
                from partner_systems
                where partner_systems.component_id = clustered.component_id
                    and partner_systems.source_system <> clustered.source_system
            )
        )

),

directed_edges as (

    select node_id_a as node_id, node_id_b as other_id, source_system_b as other_system, match_rule, match_confidence, evidence
    from edges
    union all
    select node_id_b, node_id_a, source_system_a, match_rule, match_confidence, evidence
    from edges

),

-- Edges to kept records only: a dropped candidate proves nothing.
kept_edges as (

    select directed_edges.*
    from directed_edges
    inner join kept on directed_edges.other_id = kept.node_id

),

degrees as (

    select
        kept_edges.node_id,
        count(case when kept_edges.other_system <> kept.source_system then 1 end) as cross_system_edges
    from kept_edges
    inner join kept on kept_edges.node_id = kept.node_id
    group by kept_edges.node_id

),

best_edge as (

    select node_id, match_rule, match_confidence, evidence
    from (
        select
            kept_edges.*,
            row_number() over (
                partition by node_id
                order by match_confidence desc, match_rule asc, other_id asc
            ) as edge_rank
        from kept_edges
    ) as ranked
    where edge_rank = 1

),

-- The anchor of a cluster: its PRM record if it has one (then CRM, finance, marketing, LMS); among several, the
-- one most linked to other systems, then the smallest id. partner_id is a hash of the anchor, so it is stable for
-- the same data.
anchored as (

    select
        kept.*,
        coalesce(degrees.cross_system_edges, 0) as cross_system_edges,
        first_value(kept.node_id) over (
            partition by kept.component_id
            order by kept.system_rank asc, coalesce(degrees.cross_system_edges, 0) desc, kept.source_record_id
            rows between unbounded preceding and unbounded following
        ) as anchor_node_id
    from kept
    left join degrees on kept.node_id = degrees.node_id

),

-- (count(distinct) is not a window function everywhere: Spark has none)
component_systems as (

    select component_id, count(distinct source_system) as partner_system_count
    from kept
    group by component_id

),

sized as (

    select
        anchored.*,
        count(*) over (partition by anchored.component_id) as partner_record_count,
        count(*) over (partition by anchored.component_id, anchored.source_system) as system_record_count,
        component_systems.partner_system_count
    from anchored
    inner join component_systems on anchored.component_id = component_systems.component_id

),

final as (

    select
        sized.source_system,
        sized.source_record_id,
        {{ dbt.hash('sized.anchor_node_id') }} as partner_id,
        case
            when sized.partner_record_count = 1 then 'unmatched'
            when sized.node_id = sized.anchor_node_id then 'anchor'
            else best_edge.match_rule
        end as match_rule,
        case
            when sized.partner_record_count = 1 or sized.node_id = sized.anchor_node_id then 1.0
            else best_edge.match_confidence
        end as match_confidence,
        sized.partner_system_count > 1 as is_matched,
        sized.system_record_count > 1 as is_duplicate_candidate,
        case
            when sized.system_record_count > 1
                then {{ dbt.hash(dbt.concat(['sized.anchor_node_id', "'|'", 'sized.source_system'])) }}
        end as duplicate_group_id,
        case when sized.node_id <> sized.anchor_node_id then best_edge.evidence end as match_evidence,
        sized.anchor_node_id,
        sized.node_id,
        sized.record_name,
        sized.name_normalized,
        sized.country_code,
        sized.web_domain,
        sized.scope,
        sized.system_rank,
        sized.partner_record_count,
        sized.partner_system_count,
        sized.record_updated_at
    from sized
    left join best_edge on sized.node_id = best_edge.node_id

)

select * from final
