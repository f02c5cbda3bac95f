{#
    The rows of the given upload files (from upload_files_to_load), every
    column as text, matched by header name: the uploads source's fourteen
    columns always exist (null where a file lacks one), extra columns are
    carried along, filename names each row's file and, when numbered,
    source_row_number its place in it (file_row_number). An empty field reads
    as '' and a field the file or row does not have reads as null, so a
    missing column can be told from a blank value. On DuckDB each file is
    read by its own read_csv, in the order given, and numbered in file order
    on one thread (a load kept in memory numbers its files side by side).
    With no list (none), and on other warehouses, the source is read: there
    a table the loader writes, read whole or only the named files.
#}
{% macro upload_rows(files, numbered=true) -%}
    {{ return(adapter.dispatch('upload_rows', 'rfm')(files, numbered)) }}
{%- endmacro %}

{% macro duckdb__upload_rows(files, numbered=true) -%}
    {%- if files is none -%}
        {{ return(default__upload_rows(files, numbered)) }}
    {%- endif -%}
    {#- Encodings other than DuckDB's own need its encodings extension (made
        available by `make`), loaded only then: it takes 330 MB of memory. -#}
    {%- if execute and files | rejectattr(
        'encoding', 'in', ['utf-8', 'utf-16', 'latin-1']
    ) | list -%}
        {%- do run_query('load encodings') -%}
    {%- endif -%}
{{ empty_upload_source() }}
{%- for file in files or [] %}

union all by name

select
    *{{ ',' if numbered }}
    {%- if numbered %}
    {{ file_row_number('filename') }} as source_row_number
    {%- endif %}
from read_csv(
    '{{ file.path | replace("'", "''") }}',
    encoding = '{{ file.encoding }}', header = true, delim = ',', quote = '"',
    escape = '"', all_varchar = true, filename = true, union_by_name = true,
    null_padding = true, nullstr = chr(0)
)
{%- endfor %}
{%- endmacro %}

{% macro default__upload_rows(files, numbered=true) -%}
select
    *{{ ',' if numbered }}
    {%- if numbered %}
    {{ file_row_number('filename') }} as source_row_number
    {%- endif %}
from {{ source('uploads', 'events') }}
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
