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

{#
    Whether the files of a load fit in a third of DuckDB's memory_limit, so
    that base_uploads__events keeps their rows (as text, about twice the
    files' size) to parse them on every core. A bigger load, such as the
    first build of a history, streams: numbered and parsed file by file on
    one thread, in bounded memory. 10M events alone: kept 30.4 s at a peak
    of 5.4 GiB, streamed 44.4 s at 2.0 GiB (beside the clickstream's load
    it takes longer, 52.8 s in the 10M bench). Elsewhere: false (the
    warehouse plans the query).
#}
{% macro upload_rows_fit_in_memory(files) -%}
    {{ return(adapter.dispatch('upload_rows_fit_in_memory', 'rfm')(files)) }}
{%- endmacro %}

{% macro duckdb__upload_rows_fit_in_memory(files) -%}
    {%- if not execute or not files -%}
        {{ return(true) }}
    {%- endif -%}
    {%- set limit_text = run_query(
        "select current_setting('memory_limit')"
    ).columns[0].values()[0] | string -%}
    {%- set found = modules.re.fullmatch(
        '\\s*([0-9.]+)\\s*(bytes|[KMGTP]iB)\\s*', limit_text
    ) -%}
    {%- if not found -%}
        {{ return(false) }}
    {%- endif -%}
    {%- set scale = {
        'bytes': 1, 'KiB': 1024, 'MiB': 1024 ** 2, 'GiB': 1024 ** 3,
        'TiB': 1024 ** 4, 'PiB': 1024 ** 5,
    } -%}
    {%- set limit_bytes = (found.group(1) | float) * scale[found.group(2)] -%}
    {{ return((files | sum(attribute='size')) * 3 <= limit_bytes) }}
{%- endmacro %}

{% macro default__upload_rows_fit_in_memory(files) -%}
    {{ return(false) }}
{%- endmacro %}
