{#-
    The registrable host of a web site, web address, e-mail address or bare domain, as a matching key:
    lowercase, no scheme, no user/e-mail part, no "www." (or www2.), no port, no path, query or fragment, no
    trailing dot. Null when nothing domain-like (with a dot) is left.

        "https://WWW.Acme-Corp.com/en/about?x=1" -> "acme-corp.com"
        "Jane.Doe@Acme.CO.UK"                  -> "acme.co.uk"
        "@acme.de", "acme.de.", "www.acme.de:443" -> "acme.de"
-#}
{% macro normalize_web_domain(expression) -%}
    {%- set host -%}
        {{ regexp_replace_all(
            regexp_replace_all(
                regexp_replace_all(
                    regexp_replace_all(
                        regexp_replace_all(
                            regexp_replace_all(
                                'lower(' ~ expression ~ ')',
                                '[\\s\\p{Z}]+', ''),
                            '^[a-z][a-z0-9+.-]*://', ''),
                        '[/?#\\\\].*$', ''),
                    '^.*@', ''),
                ':[0-9]*$', ''),
            '^www[0-9]*\\.|\\.+$', '') }}
    {%- endset -%}
    nullif(regexp_extract({{ host }}, {{ sql_string_literal('^[^.]+(\\.[^.]+)+$') }}, 0), '')
{%- endmacro %}
