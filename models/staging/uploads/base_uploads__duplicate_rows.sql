{#
    Valid upload rows that repeat an earlier valid row: equal after trimming,
    casing and parsing in every value, customer and event time included. The
    first in file name and row order is kept, whichever run loaded it, so an
    incremental build ends where a full refresh does.

    Incremental: a run compares only the rows whose fingerprint a newly
    loaded row shares (the new rows and the earlier rows they may repeat, or
    be repeated by), and replaces those fingerprints' repeats. Rows only
    join the loads, so no other fingerprint's repeats change. When rows the
    last check saw have left (duplicates_state: a changed file reloaded), the
    run starts again from an empty table and compares every row, as a full
    refresh does. Either way one aggregate over the fingerprints finds the
    few repeated ones, and only those rows are compared value by value and
    ranked (later_repeats).
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='row_fingerprint',
    on_schema_change='fail',
    pre_hook="{{ duplicates_reset() }}",
) }}
{%- set adding = false -%}
{%- set state = {} -%}
{%- if is_incremental() -%}
    {%- set state = duplicates_state() -%}
    {%- set adding = not state.stale -%}
    {%- if execute and state.stale -%}
        {{ log(this.identifier ~ ": comparing every row again, " ~ state.reason, info=true) }}
    {%- endif -%}
{%- endif %}

with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
valid_rows as {{ cte_materialization(false) }} (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is null

),

{% if adding -%}
{# The fingerprints of the rows loaded since the last check: the watermark
   is a constant, so DuckDB skips the row groups of earlier loads. #}
new_fingerprints as (

    select distinct row_fingerprint

    from valid_rows

    where loaded_at > cast('{{ state.checked_through }}' as timestamp)

),

{# The valid rows sharing a new fingerprint with another valid row: a
   fingerprint only a new row has is no repeat. #}
rows_to_compare as (

    {{ rows_sharing_keys(
        ref('base_uploads__events'), 'rejection_reason is null',
        'row_fingerprint', 'new_fingerprints',
    ) | indent(4) }}

),

{% endif -%}
duplicate_rows as (

    {{ later_repeats(
        'rows_to_compare' if adding else 'valid_rows',
        'row_fingerprint',
        [
            'customer_id', 'event_at', 'event_type', 'lower(product_code)',
            'lower(product_name)', 'lower(product_description)', 'unit_price',
            'quantity', 'lower(username)', 'channel_type', 'lower(address)',
            'lower(city)', 'lower(state)', 'country',
        ],
        ['source_file', 'source_row_number'],
        ['source_file', 'source_row_number', 'row_fingerprint'],
    ) | indent(4) }}

)

select * from duplicate_rows
