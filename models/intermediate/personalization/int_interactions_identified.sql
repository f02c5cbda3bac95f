{#
    The Personalize Interactions dataset from both feeds. Upload events: one
    row per customer, product, second and event type (repeats within a second
    are one interaction); their event_id is a hash of exactly those four
    values, so a resent event carries the same id and Personalize keeps one
    copy, and a customer's UTC day stands in for the session they lack.
    Clickstream events of known customers on a product (not impressions, which
    are what was shown, not what was done) keep the feed's own event id and
    session.

    Incremental: a run adds the interactions of the events loaded since the
    last one (each feed's loaded_at watermark), replacing rows by event_id, so
    a daily run costs what the new events cost. Interactions are only ever
    added, as in Personalize itself (an event sent cannot be taken back);
    --full-refresh rebuilds them from the events held now.

    Rows are replaced by event time and event_id: an upload interaction's id
    is a hash of its time, so the row it replaces has the same time, and the
    delete reads only the row groups of the new events' times instead of
    every stored id (at 100M events, 4.6 s to 1.0 s alone). A clickstream
    event keeps the feed's id, and a delivery that wins over a stored one
    (an earlier file name) may carry another time: the pre-hook deletes the
    stored clickstream rows of the new events' ids first.

    Built after int_product_interactions_weighted, which it does not read:
    both aggregate every event on a full build, and side by side they share
    DuckDB's memory_limit. At 100M events and 3GB that once ran out of
    memory ("failed to allocate data of size 16.0 MiB"); one after the
    other, each has the whole pool, at no cost in time (each runs on every
    core). The sums go first, as the next-best offers wait on them.
#}
-- depends_on: {{ ref('int_product_interactions_weighted') }}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['event_timestamp', 'event_id'],
    on_schema_change='fail',
    pre_hook="{{ delete_redelivered_interactions() }}",
) }}

{#- Each feed's newest load already added, read when the model compiles and
    written in as a constant, so that DuckDB skips the row groups of earlier
    loads instead of scanning them. -#}
{%- set loaded_through = {
    'uploads': '1900-01-01 00:00:00', 'clickstream': '1900-01-01 00:00:00',
} -%}
{%- if execute and is_incremental() -%}
    {%- for row in run_query(
        'select source_name, cast(max(loaded_at) as varchar) from '
        ~ this ~ ' group by 1'
    ).rows -%}
        {%- do loaded_through.update({row[0]: row[1]}) -%}
    {%- endfor -%}
{%- endif %}

with

upload_events as (

    select * from {{ ref('stg_uploads__events') }}
    where product_code is not null
    {%- if is_incremental() %}
        and loaded_at > cast('{{ loaded_through.uploads }}' as timestamp)
    {%- endif %}

),

click_events as (

    select * from {{ ref('stg_clickstream__events') }}
    where customer_id is not null
        and product_id is not null
        and event_type <> 'impression'
    {%- if is_incremental() %}
        and loaded_at > cast('{{ loaded_through.clickstream }}' as timestamp)
    {%- endif %}

),

upload_interactions as (

    select
        customer_id as user_id,
        product_code as item_id,
        {{ dbt.date_trunc('second', 'event_at') }} as interaction_at,
        event_type,
        max(loaded_at) as loaded_at

    from upload_events

    group by 1, 2, 3, 4

),

upload_interactions_identified as (

    select
        {{ dbt.hash(dbt.concat([
            'user_id', "'|'", 'item_id', "'|'",
            dbt.cast(
                dbt.datediff("cast('1970-01-01' as timestamp)", 'interaction_at', 'second'),
                dbt.type_string(),
            ),
            "'|'", 'event_type',
        ])) }} as event_id,
        user_id,
        item_id,
        interaction_at,
        event_type,
        {{ dbt.concat([
            'user_id', "'-'",
            dbt.cast('cast(interaction_at as date)', dbt.type_string()),
        ]) }} as session_id,
        'uploads' as source_name,
        loaded_at

    from upload_interactions

),

click_interactions as (

    select
        event_id,
        customer_id as user_id,
        product_id as item_id,
        {{ dbt.date_trunc('second', 'event_at') }} as interaction_at,
        event_type,
        coalesce(
            session_id,
            {{ dbt.concat([
                'customer_id', "'-'",
                dbt.cast('cast(event_at as date)', dbt.type_string()),
            ]) }}
        ) as session_id,
        'clickstream' as source_name,
        loaded_at

    from click_events

),

interactions as (

    select * from upload_interactions_identified

    union all

    select * from click_interactions

),

final as (

    select
        cast(event_id as varchar) as event_id,
        cast(user_id as varchar) as user_id,
        cast(item_id as varchar) as item_id,
        cast(
            {{ dbt.datediff(
                "cast('1970-01-01' as timestamp)", 'interaction_at', 'second'
            ) }} as bigint
        ) as event_timestamp,
        cast(event_type as varchar) as event_type,
        cast(session_id as varchar) as session_id,
        cast(source_name as varchar) as source_name,
        cast(loaded_at as timestamp) as loaded_at

    from interactions

)

select * from final
