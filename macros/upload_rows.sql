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
    {#- Encodings other than DuckDB's own need its encodings extension (made
        available by `make`), loaded only then: it takes 330 MB of memory. -#}
    {%- if execute and files | rejectattr(
        'encoding', 'in', ['utf-8', 'utf-16', 'latin-1']
    ) | list -%}
        {%- do run_query('load encodings') -%}
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

{#
    The files with the scan position of each one's first row (first_position)
    added, for a load that streams (see upload_rows_fit_in_memory):
    upload_rows numbers rows 1, 2, ... across the files in the order it reads
    them, so a row's number in its file is its position minus its file's
    first_position, plus one. Counted with the same read options, so the
    counts match what upload_rows reads. Elsewhere rows are numbered within
    their file, and every file starts at 1.
#}
{% macro upload_file_offsets(files) -%}
    {{ return(adapter.dispatch('upload_file_offsets', 'rfm')(files)) }}
{%- endmacro %}

{% macro duckdb__upload_file_offsets(files) -%}
    {%- if not execute or not files -%}
        {{ return(files or []) }}
    {%- endif -%}
    {%- set counts = {} -%}
    {%- for row in run_query(
        'select filename, count(*) from (' ~ upload_rows(files) ~ ') group by 1'
    ).rows -%}
        {%- do counts.update({row[0]: row[1]}) -%}
    {%- endfor -%}
    {%- set ordered = [] -%}
    {%- for encoding, group in files | groupby('encoding') -%}
        {%- do ordered.extend(group) -%}
    {%- endfor -%}
    {%- set position = namespace(next=1) -%}
    {%- for file in ordered -%}
        {%- do file.update({'first_position': position.next}) -%}
        {%- set position.next = position.next + counts.get(file.path, 0) -%}
    {%- endfor -%}
    {{ return(ordered) }}
{%- endmacro %}

{% macro default__upload_file_offsets(files) -%}
    {%- for file in files or [] -%}
        {%- do file.update({'first_position': 1}) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{#
    Whether the rows of these upload files fit in an eighth of DuckDB's
    memory_limit, as base_uploads__events keeps them (as text, about twice
    the files' size) to parse them on every core. A bigger load, such as the
    first build of a long history, is numbered and parsed in one stream on
    one thread instead, in bounded memory. Keeping rows saves little time:
    numbering them is one thread's work either way (10M events alone: 37 s
    kept, 43 s streamed), while a load kept whole was the peak of a full
    build (4.4 GiB for 10M events). Elsewhere: false (the warehouse plans
    the query).
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
    {{ return((files | sum(attribute='size')) * 2 * 8 <= limit_bytes) }}
{%- endmacro %}

{% macro default__upload_rows_fit_in_memory(files) -%}
    {{ return(false) }}
{%- endmacro %}
