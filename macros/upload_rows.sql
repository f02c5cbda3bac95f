{#
    The rows of the given upload files (from upload_files_to_load), every
    column as text, matched by header name: the uploads source's fourteen
    columns always exist (null where a file lacks one), extra columns are
    carried along, and filename names each row's file. An empty field reads as
    '' and a field the file or row does not have reads as null, so a missing
    column can be told from a blank value. On DuckDB each encoding's files are
    read by one read_csv, in the order given. With no list (none), and on
    other warehouses, the source is read: there a table the loader writes,
    read whole or only the named files.
#}
{% macro upload_rows(files) -%}
    {{ return(adapter.dispatch('upload_rows', 'rfm')(files)) }}
{%- endmacro %}

{% macro duckdb__upload_rows(files) -%}
    {%- if files is none -%}
        {{ return(default__upload_rows(files)) }}
    {%- endif -%}
    {{ empty_upload_source() }}
    {%- for encoding, group in (files or []) | groupby('encoding') %}

    union all by name

    select *
    from read_csv(
        [
            {%- for file in group %}
            '{{ file.path | replace("'", "''") }}'{{ ',' if not loop.last }}
            {%- endfor %}
        ],
        encoding = '{{ encoding }}', header = true, delim = ',', quote = '"',
        escape = '"', all_varchar = true, filename = true, union_by_name = true,
        null_padding = true, nullstr = chr(0)
    )
    {%- endfor %}
{%- endmacro %}

{% macro default__upload_rows(files) -%}
    select * from {{ source('uploads', 'events') }}
    {%- if files is not none %}
    where filename in (
        {%- for file in files %}
        '{{ file.path | replace("'", "''") }}'{{ ',' if not loop.last }}
        {%- else %}
        null
        {%- endfor %}
    )
    {%- endif %}
{%- endmacro %}
