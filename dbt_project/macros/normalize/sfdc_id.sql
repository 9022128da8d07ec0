{#-
    A Salesforce record id in its 18-character, case-insensitive-safe form. Reports and some exports give the
    15-character case-sensitive id, the API the 18-character one; other systems store either. The 3 extra
    characters are Salesforce's checksum: for each 5-character chunk, a bit per uppercase letter, as an index
    into "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345". Ids of any other length are returned trimmed and unchanged.
-#}
{% macro sfdc_id_18(expression) -%}
    {%- set id = 'trim(' ~ expression ~ ')' -%}
    {%- set chunks = [] -%}
    {%- for chunk in range(3) -%}
        {%- set bits = [] -%}
        {%- for position in range(5) -%}
            {%- set ch = 'substring(' ~ id ~ ', ' ~ (chunk * 5 + position + 1) ~ ', 1)' -%}
            {%- do bits.append('case when ' ~ ch ~ ' between \'A\' and \'Z\' then ' ~ (2 ** position) ~ ' else 0 end') -%}
        {%- endfor -%}
        {%- do chunks.append("substring('ABCDEFGHIJKLMNOPQRSTUVWXYZ012345', " ~ bits | join(' + ') ~ ' + 1, 1)') -%}
    {%- endfor -%}
    case
        when length({{ id }}) = 15 then {{ dbt.concat([id] + chunks) }}
        else nullif({{ id }}, '')
    end
{%- endmacro %}
