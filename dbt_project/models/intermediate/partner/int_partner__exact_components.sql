{#- Clusters of partner records by exact evidence only (int_partner__exact_edges): what name matching may join. -#}
{{ connected_components(
    ref('int_partner__source_records'),
    ref('int_partner__exact_edges'),
    identity_setting('identity_label_rounds')
) }}
