{#
    One row per customer with an accepted event before the as-of date: the
    raw recency, frequency and monetary values and the other features. From
    the per-customer event figures and the orders, both kept incrementally;
    the figures that count days to the as-of date are recomputed here for
    every customer, a table of customers rather than of events.
#}
with

customers as (

    select * from {{ ref('int_customer_events_summed') }}

),

orders as (

    select * from {{ ref('int_orders_grouped') }}

),

{# The as-of date of this run: a customer the run did not touch keeps the
   date its stored figures were last added to for. #}
as_of as (

    select {{ as_of_date() }} as as_of_date

),

orders_summed_to_customers as (

    select
        customer_id,
        count(*) as frequency,
        sum(order_revenue) as monetary,
        min(ordered_at) as first_order_at,
        max(ordered_at) as last_order_at

    from orders

    group by 1

),

joined as (

    select
        customers.customer_id,
        as_of.as_of_date,
        customers.first_event_at,
        customers.last_event_at,
        customers.event_count,
        orders_summed_to_customers.first_order_at,
        orders_summed_to_customers.last_order_at,
        coalesce(orders_summed_to_customers.frequency, 0) as frequency,
        coalesce(orders_summed_to_customers.monetary, 0) as monetary

    from customers

    cross join as_of

    left join orders_summed_to_customers
        on customers.customer_id = orders_summed_to_customers.customer_id

),

final as (

    select
        customer_id,
        as_of_date,
        cast(
            {{ dbt.datediff('cast(last_order_at as date)', 'as_of_date', 'day') }}
            as integer
        ) as recency_days,
        cast(frequency as integer) as frequency,
        cast(monetary as decimal(18, 2)) as monetary,
        cast(
            case when frequency > 0 then monetary / frequency end
            as decimal(18, 2)
        ) as average_order_value,
        first_order_at,
        last_order_at,
        first_event_at,
        last_event_at,
        cast(
            {{ dbt.datediff('cast(last_event_at as date)', 'as_of_date', 'day') }}
            as integer
        ) as days_since_last_event,
        cast(
            {{ dbt.datediff('cast(first_event_at as date)', 'as_of_date', 'day') }}
            as integer
        ) as tenure_days,
        cast(event_count as integer) as event_count

    from joined

)

select * from final
