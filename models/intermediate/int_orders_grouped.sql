{#
    An order is every PURCHASED row of one customer at one timestamp, before
    the as-of date.

    Incremental by order: a run reads only the purchases loaded since the
    last one and those the as-of date has moved past (events_to_add), and
    adds them to the stored orders of the same customer and time. When the
    stored orders no longer fit (stored_events_state: the as-of date moved
    back, or purchases they counted left staging) the run groups every
    purchase again, as a full refresh does, and the post-hook drops the
    orders no longer there.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['customer_id', 'ordered_at'],
    on_schema_change='fail',
    post_hook="{{ delete_earlier_generations() }}",
) }}
{%- set run = stored_events_run(
    'order_lines', "event_type = 'purchased'", 'purchases',
    'grouping every purchase again',
) %}

with

events as (

    {{ events_to_add(
        ref('stg_uploads__events'),
        ['customer_id', 'event_at', 'unit_price', 'quantity'],
        "event_type = 'purchased'",
        run.adding, run.state.loaded_through, run.state.as_of_date,
    ) | indent(4) }}

),

{# A date either way: a var gives a date, the default may be a timestamp,
   and an incremental table keeps one type. #}
as_of as (

    select cast({{ as_of_date() }} as date) as as_of_date

),

purchases_before_as_of as (

    select
        events.customer_id,
        events.event_at as ordered_at,
        1 as order_lines,
        events.quantity as units,
        events.unit_price * events.quantity as order_revenue

    from events

    cross join as_of

    where events.event_at < as_of.as_of_date

),

{% if run.adding -%}
{# The stored orders at the same customer and time take the new lines. #}
stored_orders as (

    select
        this_run.customer_id,
        this_run.ordered_at,
        this_run.order_lines,
        this_run.units,
        this_run.order_revenue

    from {{ this }} as this_run

    inner join (
        select distinct customer_id, ordered_at from purchases_before_as_of
    ) as touched
        on this_run.customer_id = touched.customer_id
        and this_run.ordered_at = touched.ordered_at

),

{% endif -%}
order_parts as (

    select * from purchases_before_as_of
    {%- if run.adding %}

    union all

    select * from stored_orders
    {%- endif %}

),

orders as (

    select
        customer_id,
        ordered_at,
        sum(order_lines) as order_lines,
        sum(units) as units,
        sum(order_revenue) as order_revenue

    from order_parts

    group by 1, 2

),

final as (

    select
        orders.customer_id,
        orders.ordered_at,
        cast(orders.order_lines as integer) as order_lines,
        cast(orders.units as bigint) as units,
        cast(orders.order_revenue as decimal(18, 2)) as order_revenue,
        as_of.as_of_date,
        (
            select max(loaded.loaded_at)
            from {{ ref('base_uploads__events') }} as loaded
        ) as loaded_through,
        cast('{{ run.generation }}' as timestamp) as generation

    from orders

    cross join as_of

)

select * from final
