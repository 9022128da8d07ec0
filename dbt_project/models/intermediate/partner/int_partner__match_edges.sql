{#-
    The match graph: one row per pair of partner records (node_id_a < node_id_b) with the strongest evidence that
    they are the same partner: int_partner__exact_edges (stage 1: shared_external_id, web_domain) and
    int_partner__name_edges (stage 2: name_country, fuzzy_name). The rules and their guards are described there.
-#}
with

all_edges as (

    select * from {{ ref('int_partner__exact_edges') }}
    union all
    select * from {{ ref('int_partner__name_edges') }}

),

ranked as (

    select
        all_edges.*,
        count(*) over (partition by node_id_a, node_id_b) as evidence_count,
        row_number() over (
            partition by node_id_a, node_id_b
            order by match_confidence desc, match_rule asc, evidence asc
        ) as evidence_rank
    from all_edges

),

final as (

    select
        ranked.node_id_a,
        ranked.node_id_b,
        a.source_system as source_system_a,
        b.source_system as source_system_b,
        ranked.match_rule,
        ranked.match_confidence,
        ranked.evidence,
        ranked.evidence_count
    from ranked
    inner join {{ ref('int_partner__source_records') }} as a on ranked.node_id_a = a.node_id
    inner join {{ ref('int_partner__source_records') }} as b on ranked.node_id_b = b.node_id
    where ranked.evidence_rank = 1

)

select * from final
