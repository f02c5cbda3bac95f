{#
    Whether any file matches a glob, local or s3://, checked when the model
    runs. Reading a glob that matches nothing is an error on DuckDB, so a model
    over a feed that may not have landed yet asks first. True at parse time,
    so that the source the model reads is still in the DAG.
#}
{% macro glob_matches_files(path) -%}
    {%- if not execute -%}
        {{ return(true) }}
    {%- endif -%}
    {{ return(adapter.dispatch('glob_matches_files', 'rfm')(path)) }}
{%- endmacro %}

{% macro duckdb__glob_matches_files(path) -%}
    {%- set quoted = "'" ~ (path | string | replace("'", "''")) ~ "'" -%}
    {%- set result = run_query('select count(*) from glob(' ~ quoted ~ ')') -%}
    {{ return(result.columns[0].values()[0] > 0) }}
{%- endmacro %}

{# Elsewhere the source is a table the loader writes; it always exists. #}
{% macro default__glob_matches_files(path) -%}
    {{ return(true) }}
{%- endmacro %}
