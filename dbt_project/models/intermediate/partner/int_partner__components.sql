{#- Clusters of partner records: connected components of the match edges (see macros/identity/connected_components). -#}
{{ connected_components(
    ref('int_partner__source_records'),
    ref('int_partner__match_edges'),
    identity_setting('identity_label_rounds')
) }}
