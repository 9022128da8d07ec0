{#-
    The pseudonym of a person-level value (an e-mail, a person's id in its source system): the hex SHA-256 of
    `key || ':' || lower(trim(value))`, exactly what warehouse.privacy.pseudonymize computes in Python, so tests
    and the erasure tooling can recompute it. Null and blank values give null. The key is a secret
    (PW_PII_HASH_KEY, else the key file, see warehouse/privacy.py): the same person gets the same pseudonym in
    every run and every model, so marts still join on it, but without the key nobody can tell whose it is.

    duckdb: the dbt-duckdb plugin `warehouse.dbt_privacy_plugin` (profiles.yml) sets the DuckDB variable
    `pw_pii_hash_key` on every connection dbt opens, so the key never appears in the compiled SQL under target/.
    The build fails ("PII hash key not set") if the plugin is missing, instead of writing null pseudonyms.
    spark: sha2(..., 256); the key comes from the environment variable PW_PII_HASH_KEY and IS written into the
    compiled SQL (keep that target/ folder private, or clean it after the run).
-#}
{% macro pseudonymize(expression) -%}
    {{ return(adapter.dispatch('pseudonymize', 'partner_warehouse')(expression)) }}
{%- endmacro %}

{% macro default__pseudonymize(expression) -%}
    case
        when nullif(trim({{ expression }}), '') is not null
            then lower(sha2(concat('{{ env_var("PW_PII_HASH_KEY") }}', ':', lower(trim({{ expression }}))), 256))
    end
{%- endmacro %}

{% macro spark__pseudonymize(expression) -%}
    {{ return(default__pseudonymize(expression)) }}
{%- endmacro %}

{% macro duckdb__pseudonymize(expression) -%}
    case
        when nullif(trim({{ expression }}), '') is not null
            then sha256(
                coalesce(cast(getvariable('pw_pii_hash_key') as varchar), error('PII hash key not set: add the plugin '
                    || 'warehouse.dbt_privacy_plugin to the profile (dbt_project/profiles.yml)'))
                || ':' || lower(trim({{ expression }}))
            )
    end
{%- endmacro %}
