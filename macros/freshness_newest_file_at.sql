{#
    A source's `loaded_at_query`: when the newest file matching a glob (local
    or s3://) was last modified. Only the file listing is read, never a row, so
    `dbt source freshness` costs the same on any volume. A glob that matches no
    file gives null, which dbt reports as an error (never loaded).
#}
{% macro freshness_newest_file_at(path) -%}
    {{ return(adapter.dispatch('freshness_newest_file_at', 'rfm')(path)) }}
{%- endmacro %}

{% macro duckdb__freshness_newest_file_at(path) -%}
    {%- set quoted = "'" ~ (path | string | replace("'", "''")) ~ "'" -%}
    select max(last_modified) from read_blob({{ quoted }})
{%- endmacro %}

{# Elsewhere the source is a table the loader writes: use its load time. #}
{% macro default__freshness_newest_file_at(path) -%}
    {{ exceptions.raise_compiler_error(
        "freshness_newest_file_at lists files on DuckDB only. On "
        ~ adapter.type() ~ ", replace the source's loaded_at_query with"
        ~ " loaded_at_field: the column your loader stamps with the load time."
    ) }}
{%- endmacro %}
