{#
    int_customer_events_summed sums again only the orders of the customers a
    run touches: its orders and lines add back up to int_orders_grouped. Two
    sums over tables of customers and orders, so it runs on every build. A
    failure means the two were built from different loads (one of them
    selected without the other): rebuild both with --full-refresh.
#}
with

customers as (

    select
        coalesce(sum(frequency), 0) as orders,
        coalesce(sum(order_lines), 0) as order_lines,
        coalesce(sum(monetary), 0) as revenue

    from {{ ref('int_customer_events_summed') }}

),

orders as (

    select
        count(*) as orders,
        coalesce(sum(order_lines), 0) as order_lines,
        coalesce(sum(order_revenue), 0) as revenue

    from {{ ref('int_orders_grouped') }}

)

select
    customers.orders as customer_orders,
    orders.orders as grouped_orders,
    customers.order_lines as customer_order_lines,
    orders.order_lines as grouped_order_lines,
    customers.revenue as customer_revenue,
    orders.revenue as grouped_revenue

from customers

cross join orders

where
    customers.orders <> orders.orders
    or customers.order_lines <> orders.order_lines
    or customers.revenue <> orders.revenue
