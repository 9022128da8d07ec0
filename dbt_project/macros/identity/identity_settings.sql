{#-
    Settings of partner identity resolution, with their defaults in one place. Override any of them with
    `--vars '{identity_fuzzy_threshold: 0.95}'` (or in dbt_project.yml vars).

    identity_label_rounds         rounds of label propagation (>= the diameter of the largest match cluster)
    identity_fuzzy_threshold      minimum name_similarity() for a fuzzy_name edge
    identity_max_per_system       a domain / name+country key held by more records than this in one system is
                                  "crowded" (a shared mailbox domain, a generic name) and proves nothing
    identity_max_id_group         an external id value held by more records than this (all systems) is a
                                  placeholder ("000000000") rather than an identity, and is ignored
    identity_max_block_records    a fuzzy-name block (a rare word or the first four letters of the name, in one
                                  country) of more records than this is not compared pairwise: its pairs would grow
                                  with the square of the data (see int_partner__name_edges, Blocking)
    identity_common_token_share   a name word held by more than this share of all name records is a common word of
                                  company names ("solutions", "gmbh") and never forms a block
    identity_max_name_tokens      how many leading words of a name key form blocks
-#}
{% macro identity_setting(name) -%}
    {%- set defaults = {
        'identity_label_rounds': 8,
        'identity_fuzzy_threshold': 0.93,
        'identity_max_per_system': 2,
        'identity_max_id_group': 8,
        'identity_max_block_records': 25,
        'identity_common_token_share': 0.02,
        'identity_max_name_tokens': 8,
    } -%}
    {{- return(var(name, defaults[name])) -}}
{%- endmacro %}


{#-
    The preference order of the source systems: the anchor (and best attribute source) is the first present. The
    order is each partner record's declared identity_rank (data_contracts/<system>.py), via partner_record_sources().
-#}
{% macro identity_system_rank(system_column) -%}
    case {{ system_column }}
        {%- for source in partner_record_sources() %}
        when '{{ source.system }}' then {{ loop.index }}
        {%- endfor %}
    end
{%- endmacro %}


{#- A name-compatibility test for same-system pairs: equal, or one name is the other's leading words
    ("brightwave" / "brightwave systems"), the forms one record of a partner takes when it is typed in again. -#}
{% macro names_compatible(left, right) -%}
    (
        {{ left }} = {{ right }}
        or substring({{ left }}, 1, length({{ right }}) + 1) = {{ dbt.concat([right, "' '"]) }}
        or substring({{ right }}, 1, length({{ left }}) + 1) = {{ dbt.concat([left, "' '"]) }}
    )
{%- endmacro %}


{#-
    The name key records are matched on: the staging `*_name_normalized` value with the letters that ASCII exports
    spell out folded the same way on both sides ("müller" / "mueller" / "muller", "groß" / "gross",
    "søndergaard" / "sondergaard" all give one key). Staging already lowercased, stripped accents, punctuation and
    legal suffixes.
-#}
{% macro identity_name_key(expression) -%}
    {%- set key = namespace(sql=expression) -%}
    {%- for letter, spelled in [('ß', 'ss'), ('ø', 'o'), ('æ', 'ae'), ('œ', 'oe'), ('ł', 'l'), ('đ', 'd'), ('þ', 'th'), ('ı', 'i'),
                                ('ae', 'a'), ('oe', 'o'), ('ue', 'u'), ('ss', 's')] -%}
        {%- set key.sql = 'replace(' ~ key.sql ~ ", '" ~ letter ~ "', '" ~ spelled ~ "')" -%}
    {%- endfor -%}
    {{ key.sql }}
{%- endmacro %}


{#- Names close enough to back a weak edge: compatible (equal or leading words) or name_similarity >= the threshold. -#}
{% macro identity_names_similar(left, right) -%}
    (
        {{ names_compatible(left, right) }}
        or {{ name_similarity(left, right) }} >= {{ identity_setting('identity_fuzzy_threshold') }}
    )
{%- endmacro %}


{#-
    A timestamp with time zone as the UTC wall-clock `timestamp` the marts publish (a plain cast would use the
    session's time zone). duckdb: timezone('UTC', ts); spark: to_utc_timestamp(ts, session time zone).
-#}
{% macro identity_utc_timestamp(expression) -%}
    {{ return(adapter.dispatch('identity_utc_timestamp', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__identity_utc_timestamp(expression) -%}
    cast({{ expression }} as timestamp)
{%- endmacro %}

{% macro duckdb__identity_utc_timestamp(expression) -%}
    timezone('UTC', {{ expression }})
{%- endmacro %}

{% macro spark__identity_utc_timestamp(expression) -%}
    to_utc_timestamp({{ expression }}, current_timezone())
{%- endmacro %}
