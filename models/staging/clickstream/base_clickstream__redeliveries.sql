{#
    Valid clickstream lines whose event_id an earlier valid line already
    delivered (delivery is at least once): the first by file name and line
    wins, whichever run loaded it, so an incremental build ends where a full
    refresh does in any file order.

    Rebuilt each run from the loaded lines, which is cheap: one aggregate over
    a hash of the event_id finds the few repeated ones, and only those lines
    are ranked by their event_id itself (later_repeats).
#}
{{ config(materialized='table') }}

with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
valid_lines as {{ cte_materialization(false) }} (

    select * from {{ ref('base_clickstream__events') }}
    where rejection_reason is null

),

redeliveries as (

    {{ later_repeats(
        'valid_lines',
        'event_id_hash',
        ['event_id'],
        ['source_file', 'source_row_number'],
        ['source_file', 'source_row_number', 'event_id'],
    ) | indent(4) }}

)

select * from redeliveries
