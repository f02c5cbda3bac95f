-- A code invariant re-checked over the whole input: CI runs it (selectors.yml).
{{ config(tags=['ci_only']) }}
{#
    Non-empty input lines = accepted events + rejected lines: nothing is
    silently dropped or counted twice. Without reading every file again on
    every build: the files the latest run loaded or changed a row of are
    counted again from the source, file by file; the files loaded by earlier
    runs were counted by the runs that loaded them (capture files must be
    immutable). Also fails when clickstream_path matches a file the model has
    not loaded: run the model again, or with --full-refresh.
#}
{%- set events = ref('base_clickstream__events') -%}
{%- set has_files = glob_matches_files(var('clickstream_path')) -%}
{%- set latest_files = [] -%}
{%- set unloaded = [] -%}
{%- if execute and has_files -%}
    {%- set query -%}
        select distinct source_file
        from {{ events }}
        where loaded_at = (select max(loaded_at) from {{ events }})
        order by 1
    {%- endset -%}
    {%- set latest_files = run_query(query).columns[0].values() | list -%}
    {%- set unloaded = unloaded_files(var('clickstream_path'), events) or [] -%}
{%- endif -%}
{%- if latest_files -%}
    {%- set lines = source('clickstream', 'events') -%}
{%- else -%}
    {%- set lines = "(select cast(null as varchar) as filename,"
        ~ " cast(null as varchar) as line_text where 1 = 0)" -%}
{%- endif -%}
{%- set latest_file_list -%}
    {%- for file in latest_files -%}
        '{{ file | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endset %}

with

{# Named, so that the reader opens only these files. #}
input_lines_by_file as (

    select
        filename as source_file,
        count(*) as line_count

    from {{ lines }}

    {# As the model counts them, the cheap test first. #}
    where (left(line_text, 1) = '{' or trim(rtrim(line_text, chr(13))) <> '')
    {%- if latest_files %}
        and filename in ({{ latest_file_list }})
    {%- endif %}

    group by 1

),

model_lines_by_file as (

    select
        source_file,
        count(*) as line_count

    from {{ events }}

    where {{ 'source_file in (' ~ latest_file_list ~ ')' if latest_files
        else '1 = 0' }}

    group by 1

),

file_mismatches as (

    select
        coalesce(
            input_lines_by_file.source_file, model_lines_by_file.source_file
        ) as source_file,
        coalesce(input_lines_by_file.line_count, 0) as input_line_count,
        coalesce(model_lines_by_file.line_count, 0) as model_line_count,
        cast(null as bigint) as accepted_event_count,
        cast(null as bigint) as rejected_line_count

    from input_lines_by_file

    full outer join model_lines_by_file
        on input_lines_by_file.source_file = model_lines_by_file.source_file

    where input_lines_by_file.line_count
        is distinct from model_lines_by_file.line_count

),

model_lines as (

    select count(*) as line_count from {{ events }}

),

accepted_events as (

    select count(*) as line_count from {{ ref('stg_clickstream__events') }}

),

rejected_lines as (

    select count(*) as line_count
    from {{ ref('rejected_events') }}
    where source_name = 'clickstream'

),

split_mismatch as (

    select
        cast(null as varchar) as source_file,
        cast(null as bigint) as input_line_count,
        model_lines.line_count as model_line_count,
        accepted_events.line_count as accepted_event_count,
        rejected_lines.line_count as rejected_line_count

    from model_lines

    cross join accepted_events

    cross join rejected_lines

    where model_lines.line_count
        <> accepted_events.line_count + rejected_lines.line_count

),

unloaded_file_names as (

    {%- for file in unloaded %}

    select '{{ file | replace("'", "''") }}' as source_file

    union all
    {%- endfor %}

    select cast(null as varchar) as source_file
    where 1 = 0

),

unloaded_files as (

    select
        source_file,
        cast(null as bigint) as input_line_count,
        cast(0 as bigint) as model_line_count,
        cast(null as bigint) as accepted_event_count,
        cast(null as bigint) as rejected_line_count

    from unloaded_file_names

),

failures as (

    select * from file_mismatches

    union all

    select * from split_mismatch

    union all

    select * from unloaded_files

)

select * from failures
