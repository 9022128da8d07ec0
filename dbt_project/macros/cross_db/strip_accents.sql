{#-
    Fold accented Latin letters to their base letter ("Société" -> "Societe", "Österreich" -> "Osterreich"), so that
    names typed with and without accents (or mangled by a Windows-1252 export) give the same matching key.

    duckdb: strip_accents() does it for every Unicode letter.
    default/spark: translate() with the Latin-1 and Latin Extended-A letters that occur in company names.
-#}
{% macro strip_accents(expression) -%}
    {{ return(adapter.dispatch('strip_accents', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__strip_accents(expression) -%}
    translate(
        {{ expression }},
        'ÀÁÂÃÄÅàáâãäåĀāĂăĄąÇçĆćČčĎďÈÉÊËèéêëĒēĖėĘęĚěÌÍÎÏìíîïĪīĮįıÑñŃńŇňÒÓÔÕÖØòóôõöøŌōŐőŔŕŘřŚśŠšŞşŤťŢţÙÚÛÜùúûüŪūŮůŰűÝýÿŹźŻżŽž',
        'AAAAAAaaaaaaAaAaAaCcCcCcDdEEEEeeeeEeEeEeEeIIIIiiiiIiIiiNnNnNnOOOOOOooooooOoOoRrRrSsSsSsTtTtUUUUuuuuUuUuUuYyyZzZzZz'
    )
{%- endmacro %}

{% macro duckdb__strip_accents(expression) -%}
    strip_accents({{ expression }})
{%- endmacro %}
