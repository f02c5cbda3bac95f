{#
    Each customer's latest contact details before the as-of date: from their
    latest upload event with an address, by time, then file and row.

    Incremental by customer: a run recomputes only the customers with events
    loaded since the last run, or with events the as-of date has moved past
    (as it does each day), from all of their events; every customer when the
    as-of date moves back. A daily run so reads the new events and the few
    customers they touch, not every event.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
) }}

with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
events as {{ cte_materialization(false) }} (

    select * from {{ ref('stg_uploads__events') }}

),

{# A date either way: a var gives a date, the default may be a timestamp,
   and an incremental table keeps one type. #}
as_of as (

    select cast({{ as_of_date() }} as date) as as_of_date

),

{% if is_incremental() -%}
previous_run as (

    select
        max(loaded_through) as loaded_through,
        max(as_of_date) as as_of_date

    from {{ this }}

),

customers_to_refresh as (

    select distinct events.customer_id

    from events

    cross join previous_run

    cross join as_of

    where events.loaded_at > previous_run.loaded_through
        or (
            events.event_at >= previous_run.as_of_date
            and events.event_at < as_of.as_of_date
        )
        or as_of.as_of_date < previous_run.as_of_date

),

{% endif -%}
contact_events as (

    select
        events.customer_id,
        events.username,
        events.channel_type,
        events.address,
        events.city,
        events.state,
        events.country,
        events.event_at,
        events.source_file,
        events.source_row_number

    from events

    cross join as_of

    {%- if is_incremental() %}

    inner join customers_to_refresh
        on events.customer_id = customers_to_refresh.customer_id
    {%- endif %}

    where events.address is not null
        and events.event_at < as_of.as_of_date

),

{# The latest event by time, then file and row: unique, so one choice. #}
latest_contact_events as (

    {{ latest_row_per_group(
        'contact_events',
        'customer_id',
        ['event_at', 'source_file', 'source_row_number'],
        ['username', 'channel_type', 'address', 'city', 'state', 'country', 'event_at'],
    ) }}

),

final as (

    select
        latest_contact_events.customer_id,
        latest_contact_events.username,
        latest_contact_events.channel_type,
        latest_contact_events.address,
        latest_contact_events.city,
        latest_contact_events.state,
        latest_contact_events.country,
        latest_contact_events.event_at as contact_seen_at,
        as_of.as_of_date,
        (
            select max(loaded.loaded_at)
            from {{ ref('base_uploads__events') }} as loaded
        ) as loaded_through

    from latest_contact_events

    cross join as_of

)

select * from final
