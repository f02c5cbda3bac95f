{#
    Non-empty input lines = accepted events + rejected lines: nothing is
    silently dropped or counted twice. Also fails when a file already loaded
    changes (capture files must be immutable) or clickstream_path now matches
    other files than the ones loaded: run with --full-refresh then.
#}
{%- if glob_matches_files(var('clickstream_path')) -%}
    {%- set lines = source('clickstream', 'events') -%}
{%- else -%}
    {%- set lines = "(select cast(null as varchar) as line_text where 1 = 0)" -%}
{%- endif %}

with

input_lines as (

    select count(*) as line_count
    from {{ lines }}
    where trim(rtrim(line_text, chr(13))) <> ''

),

accepted_events as (

    select count(*) as line_count from {{ ref('stg_clickstream__events') }}

),

rejected_lines as (

    select count(*) as line_count
    from {{ ref('rejected_events') }}
    where source_name = 'clickstream'

)

select
    input_lines.line_count as input_line_count,
    accepted_events.line_count as accepted_event_count,
    rejected_lines.line_count as rejected_line_count

from input_lines

cross join accepted_events

cross join rejected_lines

where input_lines.line_count
    <> accepted_events.line_count + rejected_lines.line_count
