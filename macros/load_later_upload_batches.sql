{#
    base_uploads__events's post-hook: loads the batches of files its own query
    left (upload_load_batches), one statement each, so that one batch's rows
    are in memory at a time. Lists the files again, now that the first batch
    is in the table: whatever is still new or changed. On an incremental run
    a changed file's earlier rows go first, as delete+insert does for the
    first batch. It runs in the model's transaction: if a batch fails, the
    run loads nothing. Nothing to do on warehouses that read the whole
    source.
#}
{% macro load_later_upload_batches() -%}
    {%- set path = var('raw_events_path') -%}
    {%- if not execute or not glob_matches_files(path) -%}
        {{ return('') }}
    {%- endif -%}
    {%- set files = upload_files_to_load(path, true) -%}
    {%- if not files -%}
        {{ return('') }}
    {%- endif -%}
    {%- set batches = upload_load_batches(files) -%}
    {%- for batch in batches -%}
        {{ log(
            this.identifier ~ ": loading batch " ~ (loop.index + 1) ~ " of "
            ~ (loop.length + 1) ~ ", " ~ batch.files | length ~ " file(s)",
            info=true,
        ) }}
        {%- if is_incremental() -%}
            {%- set deleted -%}
                delete from {{ this }}
                where source_file in (
                    {%- for file in batch.files -%}
                        '{{ file.path | replace("'", "''") }}'{{ ', ' if not loop.last }}
                    {%- endfor -%}
                )
            {%- endset -%}
            {%- do run_query(deleted) -%}
        {%- endif -%}
        {%- set inserted -%}
            insert into {{ this }} by name
            select * from (
                {{ staged_upload_rows(upload_file_encodings(batch.files), batch.keep) }}
            ) as batch_rows
        {%- endset -%}
        {%- do run_query(inserted) -%}
    {%- endfor -%}
    {{ return('') }}
{%- endmacro %}
