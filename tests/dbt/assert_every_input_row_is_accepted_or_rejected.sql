-- A code invariant re-checked over the whole input: CI runs it (selectors.yml).
{{ config(tags=['ci_only']) }}
-- depends_on: {{ source('uploads', 'events') }}
-- depends_on: {{ ref('base_uploads__events') }}
{#
    Input rows = accepted rows + rejected rows, file by file: nothing is
    silently dropped. Checked for the files of the latest load (all files on a
    full build), so a daily run re-reads only the files it has just loaded;
    earlier files were checked by the run that loaded them.
#}
{%- set latest_files = [] -%}
{#- Nothing to list before the model exists (sqlfluff compiles this too). -#}
{%- if execute and load_relation(ref('base_uploads__events')) is not none -%}
    {%- set listing -%}
        select distinct source_file, file_encoding
        from {{ ref('base_uploads__events') }}
        where loaded_at = (
            select max(loaded_at) from {{ ref('base_uploads__events') }}
        )
    {%- endset -%}
    {%- for row in run_query(listing).rows -%}
        {%- do latest_files.append({'path': row[0], 'encoding': row[1]}) -%}
    {%- endfor -%}
{%- endif %}

with

input_rows as (

    select
        filename as source_file,
        count(*) as row_count

    {# Read as the load read them; nothing loaded yet reads nothing. #}
    from ({{ upload_rows(latest_files, numbered=false) }}) as latest_rows

    group by 1

),

accepted_rows as (

    select
        source_file,
        count(*) as row_count

    from {{ ref('stg_uploads__events') }}

    group by 1

),

rejected_rows as (

    select
        source_file,
        count(*) as row_count

    from {{ ref('rejected_events') }}

    where source_name = 'uploads'

    group by 1

),

counts_compared as (

    select
        input_rows.source_file,
        input_rows.row_count as input_row_count,
        coalesce(accepted_rows.row_count, 0) as accepted_row_count,
        coalesce(rejected_rows.row_count, 0) as rejected_row_count

    from input_rows

    left join accepted_rows
        on input_rows.source_file = accepted_rows.source_file

    left join rejected_rows
        on input_rows.source_file = rejected_rows.source_file

)

select * from counts_compared
where input_row_count <> accepted_row_count + rejected_row_count
