{#
    The files matching a glob that an incremental model has not loaded yet
    (relation.file_column holds the files loaded), listed when the model runs,
    so the model can name them to the reader instead of reading every file and
    discarding the old ones. DuckDB lists with glob(); elsewhere this returns
    none and the model filters on file names after reading.
#}
{% macro unloaded_files(path, relation, file_column='source_file') -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(adapter.dispatch('unloaded_files', 'rfm')(path, relation, file_column)) }}
{%- endmacro %}

{% macro duckdb__unloaded_files(path, relation, file_column) -%}
    {%- set quoted = "'" ~ (path | string | replace("'", "''")) ~ "'" -%}
    {%- set query -%}
        select file
        from glob({{ quoted }})
        where file not in (select {{ file_column }} from {{ relation }})
        order by file
    {%- endset -%}
    {{ return(run_query(query).columns[0].values() | list) }}
{%- endmacro %}

{% macro default__unloaded_files(path, relation, file_column) -%}
    {{ return(none) }}
{%- endmacro %}
