{#
    Every input row exactly once: parsed and typed values for staging, the
    first reason (if any) the row is invalid, and its raw values when it is.
    One pass from the files to the table: read, number, parse, check, write.

    Incremental, file by file: a run reads only the files that are new or
    changed since they were loaded (upload_files_to_load), and a changed file
    replaces its earlier rows (delete+insert on source_file). Valid rows that
    repeat an earlier row are found after the load, over every file, by
    base_uploads__duplicate_rows: the same file uploaded twice, or under
    another name, adds nothing.

    A load is read in batches of files that fit in memory
    (upload_load_batches; the SQL is staged_upload_rows): this query writes
    the first batch, and the post-hook load_later_upload_batches each of the
    rest in a statement of its own, in the same transaction. A daily run's
    few files are one batch; the first build of a long history keeps only
    one batch's rows in memory at a time.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file',
    on_schema_change='fail',
    post_hook="{{ load_later_upload_batches() }}",
) }}

{%- set path = var('raw_events_path') -%}
{%- set has_files = glob_matches_files(path) -%}
{%- set files = upload_files_to_load(path, is_incremental()) if has_files else [] -%}
{%- if execute and not has_files -%}
    {{ exceptions.warn("No upload file matches raw_events_path '" ~ path ~ "'") }}
{%- endif -%}
{%- set batch = upload_load_batches(files)[0] %}
-- depends_on: {{ source('uploads', 'events') }}

{{ staged_upload_rows(upload_file_encodings(batch.files), batch.keep) }}
