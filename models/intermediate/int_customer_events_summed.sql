{#
    Each customer's accepted upload events before the as-of date: the first
    and last event time and how many, and their orders (int_orders_grouped):
    how many, their revenue and lines, the first and last.

    Incremental by customer: a run reads only the events loaded since the
    last one and those the as-of date has moved past (events_to_add), adds
    them to the stored figures of the customers they touch, and sums those
    customers' orders again, from int_orders_grouped, which the same events
    changed and only for them. The other customers keep their stored rows,
    so that a daily run writes the customers it touched, not every customer;
    int_customers_summarized turns the figures into features on the as-of
    date. When the stored figures no longer fit (stored_events_state: the
    as-of date moved back, or events they counted left staging) the run sums
    every event again, as a full refresh does, and the post-hook drops the
    customers no longer there.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
    post_hook="{{ delete_earlier_generations() }}",
) }}
{%- set run = stored_events_run(
    'event_count', '1 = 1', 'events', 'summing every event again',
    ['frequency', 'monetary', 'order_lines', 'first_order_at', 'last_order_at'],
) %}

with

events as (

    {{ events_to_add(
        ref('stg_uploads__events'), ['customer_id', 'event_at'], '1 = 1',
        run.adding, run.state.loaded_through, run.state.as_of_date,
    ) | indent(4) }}

),

{# A date either way: a var gives a date, the default may be a timestamp,
   and an incremental table keeps one type. #}
as_of as (

    select cast({{ as_of_date() }} as date) as as_of_date

),

events_before_as_of as (

    select
        events.customer_id,
        events.event_at as first_event_at,
        events.event_at as last_event_at,
        1 as event_count

    from events

    cross join as_of

    where events.event_at < as_of.as_of_date

),

{% if run.adding -%}
{# The stored figures of the customers with new events. #}
stored_customers as (

    select
        this_run.customer_id,
        this_run.first_event_at,
        this_run.last_event_at,
        this_run.event_count

    from {{ this }} as this_run

    where this_run.customer_id in (
        select events_before_as_of.customer_id from events_before_as_of
    )

),

{% endif -%}
customer_parts as (

    select * from events_before_as_of
    {%- if run.adding %}

    union all

    select * from stored_customers
    {%- endif %}

),

customers as (

    select
        customer_id,
        min(first_event_at) as first_event_at,
        max(last_event_at) as last_event_at,
        sum(event_count) as event_count

    from customer_parts

    group by 1

),

{# Adding, the orders of the customers with new events: a new purchase is a
   new event, so no other customer's orders changed. #}
orders as (

    select * from {{ ref('int_orders_grouped') }}
    {%- if run.adding %}
    where customer_id in (select customers.customer_id from customers)
    {%- endif %}

),

orders_summed_to_customers as (

    select
        customer_id,
        count(*) as frequency,
        sum(order_revenue) as monetary,
        sum(order_lines) as order_lines,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at

    from orders

    group by 1

),

final as (

    select
        customers.customer_id,
        customers.first_event_at,
        customers.last_event_at,
        cast(customers.event_count as bigint) as event_count,
        cast(coalesce(orders_summed_to_customers.frequency, 0) as integer)
            as frequency,
        cast(coalesce(orders_summed_to_customers.monetary, 0) as decimal(18, 2))
            as monetary,
        cast(coalesce(orders_summed_to_customers.order_lines, 0) as bigint)
            as order_lines,
        orders_summed_to_customers.first_order_at,
        orders_summed_to_customers.last_order_at,
        as_of.as_of_date,
        (
            select max(loaded.loaded_at)
            from {{ ref('base_uploads__events') }} as loaded
        ) as loaded_through,
        cast('{{ run.generation }}' as timestamp) as generation

    from customers

    cross join as_of

    left join orders_summed_to_customers
        on customers.customer_id = orders_summed_to_customers.customer_id

)

select * from final
