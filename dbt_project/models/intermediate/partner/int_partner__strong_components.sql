{#- Clusters of partner records by exact evidence only (int_partner__strong_edges): what fuzzy matching may join. -#}
{{ connected_components(
    ref('int_partner__source_records'),
    ref('int_partner__strong_edges'),
    identity_setting('identity_label_rounds')
) }}
