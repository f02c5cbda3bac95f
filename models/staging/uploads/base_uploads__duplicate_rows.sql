{#
    Valid upload rows that repeat an earlier valid row: equal after trimming,
    casing and parsing in every value, customer and event time included. The
    first in file name and row order is kept, whichever run loaded it, so an
    incremental build ends where a full refresh does.

    Rebuilt each run from the loaded rows, which is cheap: one aggregate over
    the fingerprints finds the few repeated ones, and only those rows are
    compared value by value and ranked (later_repeats).
#}
{{ config(materialized='table') }}

with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
valid_rows as {{ cte_materialization(false) }} (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is null

),

duplicate_rows as (

    {{ later_repeats(
        'valid_rows',
        'row_fingerprint',
        [
            'customer_id', 'event_at', 'event_type', 'lower(product_code)',
            'lower(product_name)', 'lower(product_description)', 'unit_price',
            'quantity', 'lower(username)', 'channel_type', 'lower(address)',
            'lower(city)', 'lower(state)', 'country',
        ],
        ['source_file', 'source_row_number'],
        ['source_file', 'source_row_number'],
    ) | indent(4) }}

)

select * from duplicate_rows
