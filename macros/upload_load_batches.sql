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
