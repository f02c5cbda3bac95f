{#
    The upload files a run of base_uploads__events must read, as a list of
    {path, size, modified_at}: every file matching the glob on a full build;
    on an incremental one only the files that are new, or whose size or
    modification time changed since they were loaded (a changed file is read
    again and replaces its earlier rows). Listed when the model runs, so the
    list can be inlined and DuckDB reads no other file. None means "read the
    whole source" (adapters without a file listing).
#}
{% macro upload_files_to_load(path) -%}
    {%- if not execute -%}
        {{ return([]) }}
    {%- endif -%}
    {{ return(adapter.dispatch('upload_files_to_load', 'rfm')(path)) }}
{%- endmacro %}

{% macro duckdb__upload_files_to_load(path) -%}
    {%- set quoted = "'" ~ (path | string | replace("'", "''")) ~ "'" -%}
    {%- set listing -%}
        select
            filename,
            size,
            cast(last_modified as timestamp) as modified_at

        from read_blob({{ quoted }})

        {%- if is_incremental() %}

        except

        select distinct
            source_file,
            file_size,
            file_modified_at

        from {{ this }}
        {%- endif %}

        order by 1
    {%- endset -%}
    {%- set files = [] -%}
    {%- for row in run_query(listing).rows -%}
        {%- do files.append({
            'path': row[0], 'size': row[1], 'modified_at': row[2] | string
        }) -%}
    {%- endfor -%}
    {{ return(files) }}
{%- endmacro %}

{% macro default__upload_files_to_load(path) -%}
    {{ return(none) }}
{%- endmacro %}
