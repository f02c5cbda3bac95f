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
    The files of a load (from upload_files_to_load) in batches, in file
    order, each {files, keep}. base_uploads__events loads one batch per
    statement. A batch holds files up to an eighth of DuckDB's memory_limit
    (at least one file) and is kept in memory (keep): its rows, as text about
    twice the files' size, are numbered file by file side by side and parsed
    on every core. A file over a third of the limit is a batch of its own
    that streams: numbered and parsed as it is read, on one thread, in
    bounded memory. Nine 229 MB files alone: in one kept batch 20.9 s at a
    peak of 4.8 GiB; four of them kept 10.0 s at 2.5 GiB, streamed 17.8 s
    at 0.7 GiB. No files, or none (the whole source):
    one batch. Elsewhere, and when the limit cannot be read: one batch that
    streams (the warehouse plans the query).
#}
{% macro upload_load_batches(files) -%}
    {{ return(adapter.dispatch('upload_load_batches', 'rfm')(files)) }}
{%- endmacro %}

{% macro duckdb__upload_load_batches(files) -%}
    {%- if not execute or not files -%}
        {{ return([{'files': files, 'keep': true}]) }}
    {%- endif -%}
    {%- set limit_text = run_query(
        "select current_setting('memory_limit')"
    ).columns[0].values()[0] | string -%}
    {%- set found = modules.re.fullmatch(
        '\\s*([0-9.]+)\\s*(bytes|[KMGTP]iB)\\s*', limit_text
    ) -%}
    {%- if not found -%}
        {{ return([{'files': files, 'keep': false}]) }}
    {%- endif -%}
    {%- set scale = {
        'bytes': 1, 'KiB': 1024, 'MiB': 1024 ** 2, 'GiB': 1024 ** 3,
        'TiB': 1024 ** 4, 'PiB': 1024 ** 5,
    } -%}
    {%- set limit_bytes = (found.group(1) | float) * scale[found.group(2)] -%}
    {%- set batches = [] -%}
    {%- for file in files -%}
        {%- set last = batches[-1] if batches else none -%}
        {%- if last and last.keep and file.size * 3 <= limit_bytes
            and (last.files | sum(attribute='size')) + file.size <= limit_bytes / 8 -%}
            {%- do last.files.append(file) -%}
        {%- else -%}
            {%- do batches.append({
                'files': [file], 'keep': file.size * 3 <= limit_bytes,
            }) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(batches) }}
{%- endmacro %}

{% macro default__upload_load_batches(files) -%}
    {{ return([{'files': files, 'keep': false}]) }}
{%- endmacro %}
