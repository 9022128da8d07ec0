{#-
    A matching key for a company / partner name, to compare names across systems:
    lowercase, accents folded, "&" read as "and", dots and apostrophes dropped ("S.A." -> "sa", "O'Neil" ->
    "oneil"), other punctuation and symbols turned into spaces, whitespace collapsed, and the legal-form words of
    var('legal_name_suffixes') removed from the end ("Acme GmbH & Co. KG" -> "acme"). Null when nothing is left.
    The suffixes are only removed after at least one other word, so a company called "Co" keeps its name.
-#}
{% macro normalize_company_name(expression) -%}
    {%- set suffix_words = [] -%}
    {%- for suffix in var('legal_name_suffixes') -%}
        {%- do suffix_words.append(suffix | trim | replace(' ', '\\s+')) -%}
    {%- endfor -%}
    {%- set folded -%}
        {{ clean_text(
            regexp_replace_all(
                regexp_replace_all(
                    dbt.replace('lower(' ~ strip_accents(expression) ~ ')', "'&'", "' and '"),
                    "[.'’`´]", ''),
                '[\\p{P}\\p{S}]', ' ')
        ) }}
    {%- endset -%}
    nullif(trim({{ regexp_replace_all(folded, '(\\s+(and\\s+)?(' ~ suffix_words | join('|') ~ '))+$', '') }}), '')
{%- endmacro %}
