{#
    Each product's latest price (from its latest accepted upload event, by
    time, then file and row) and the time it was first seen, over every
    event whatever its time.

    Incremental by product: a run reads only the events loaded since the last
    one (events_to_add) and, for each product they touch, keeps the later of
    the stored price and theirs. When the stored prices no longer fit
    (stored_events_state: events they counted left staging) the run prices
    every product again, as a full refresh does, and the post-hook drops the
    products no longer there.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='product_code',
    on_schema_change='fail',
    post_hook="{{ delete_earlier_generations() }}",
) }}
{%- set run = stored_events_run(
    'event_count', 'product_code is not null', 'events with a product',
    'pricing every product again', by_as_of=false,
) %}

with

{# This CTE and those built on it are read twice by latest_row_per_group:
   each read scans the events again, not a copy of every column of every
   row (cte_materialization). #}
events as {{ cte_materialization(false) }} (

    {{ events_to_add(
        ref('stg_uploads__events'),
        ['product_code', 'unit_price', 'event_at', 'source_file', 'source_row_number'],
        'product_code is not null',
        run.adding, run.state.loaded_through, none,
    ) | indent(4) }}

),

product_events as {{ cte_materialization(false) }} (

    select
        product_code,
        unit_price,
        event_at,
        source_file,
        source_row_number,
        event_at as first_seen_at,
        1 as event_count

    from events

),

{% if run.adding -%}
{# The stored prices of the products with new events compete with them,
   each carrying the count of the events it was picked from. #}
stored_products as (

    select
        this_run.product_code,
        this_run.unit_price,
        this_run.priced_at as event_at,
        this_run.source_file,
        this_run.source_row_number,
        this_run.first_seen_at,
        this_run.event_count

    from {{ this }} as this_run

    where this_run.product_code in (
        select product_events.product_code from product_events
    )

),

{% endif -%}
candidate_events as {{ cte_materialization(false) }} (

    select * from product_events
    {%- if run.adding %}

    union all

    select * from stored_products
    {%- endif %}

),

{# The latest event by time, then file and row: unique, so one price; and
   the first time the product was seen, in the same pass. #}
latest_prices as (

    {{ latest_row_per_group(
        'candidate_events',
        'product_code',
        ['event_at', 'source_file', 'source_row_number'],
        ['unit_price', 'event_at', 'source_file', 'source_row_number'],
        {'first_seen_at': 'min(first_seen_at)', 'event_count': 'sum(event_count)'},
    ) | indent(4) }}

),

final as (

    select
        latest_prices.product_code,
        latest_prices.unit_price,
        latest_prices.event_at as priced_at,
        latest_prices.source_file,
        cast(latest_prices.source_row_number as bigint) as source_row_number,
        latest_prices.first_seen_at,
        cast(latest_prices.event_count as bigint) as event_count,
        (
            select max(loaded.loaded_at)
            from {{ ref('base_uploads__events') }} as loaded
        ) as loaded_through,
        cast('{{ run.generation }}' as timestamp) as generation

    from latest_prices

)

select * from final
