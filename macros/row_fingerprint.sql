{#
    A hash of a row's key values, to find candidate duplicates with one
    cheap key instead of comparing every column. Only a first sieve: rows that
    share a fingerprint are then compared value by value, so a collision costs
    a comparison, never a wrong answer.
#}
{% macro row_fingerprint(columns) -%}
    {{ return(adapter.dispatch('row_fingerprint', 'rfm')(columns)) }}
{%- endmacro %}

{% macro duckdb__row_fingerprint(columns) -%}
    hash({{ columns | join(', ') }})
{%- endmacro %}

{% macro default__row_fingerprint(columns) -%}
    {%- set parts = [] -%}
    {%- for column in columns -%}
        {%- do parts.append(
            "coalesce(" ~ dbt.cast(column, dbt.type_string()) ~ ", '\\x00')"
        ) -%}
    {%- endfor -%}
    {{ dbt.hash(dbt.concat(parts)) }}
{%- endmacro %}
