{#
    The upload files a run of base_uploads__events must read, as a list of
    {path, size, modified_at, encoding}, in path order: every file matching the
    glob, or with skip_loaded (an incremental run, and base_uploads__events's
    later batches) only the files that are new, or whose size or modification
    time changed since they were loaded (a changed file is read again and
    replaces its earlier rows). Listed when the model runs, so the list can be
    inlined and DuckDB reads no other file. Empty (0-byte) files have no rows
    and are left out. None means "read the whole source" (adapters without a
    file listing). The encoding is the upload_encoding var, 'auto' until
    upload_file_encodings picks one.
#}
{% macro upload_files_to_load(path, skip_loaded) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.dispatch('upload_files_to_load', 'rfm')(path, skip_loaded)) }}
{%- endmacro %}

{% macro duckdb__upload_files_to_load(path, skip_loaded) -%}
    {%- set quoted = "'" ~ (path | string | replace("'", "''")) ~ "'" -%}
    {%- set listing -%}
        select
            filename,
            size,
            cast(last_modified as timestamp) as modified_at

        from read_blob({{ quoted }})

        {%- if skip_loaded %}

        except

        select distinct
            source_file,
            file_size,
            file_modified_at

        from {{ this }}
        {%- endif %}

        order by 1
    {%- endset -%}
    {%- set encoding = upload_encoding() -%}
    {%- set files = [] -%}
    {%- for row in run_query(listing).rows if row[1] > 0 -%}
        {%- do files.append({
            'path': row[0], 'size': row[1], 'modified_at': row[2] | string,
            'encoding': encoding,
        }) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{% macro default__upload_files_to_load(path, skip_loaded) -%}
    {{ return(none) }}
{%- endmacro %}

{#
    The upload_encoding var, checked: 'auto' or an encoding name DuckDB's
    read_csv knows (utf-8, utf-16, latin-1, cp1252, cp437, ...).
#}
{% macro upload_encoding() -%}
    {%- set encoding = var('upload_encoding', 'auto') | string | lower | trim -%}
    {%- if not modules.re.fullmatch('[a-z0-9][a-z0-9_.-]{0,39}', encoding) -%}
        {{ exceptions.raise_compiler_error(
            "upload_encoding var: '" ~ encoding ~ "' is not an encoding name"
            ~ " (use auto, utf-8, latin-1, cp1252, cp437, ...)"
        ) }}
    {%- endif -%}
    {{ return(encoding) }}
{%- endmacro %}
