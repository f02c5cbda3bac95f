{#
    One row per customer with an accepted event before the as-of date: the
    raw recency, frequency and monetary values and the other features. A
    view over int_customer_events_summed, which keeps each customer's event
    and order figures incrementally: only the figures that count days to the
    as-of date are worked out here, on every read. Read by K-Means (a sample)
    and, through int_customers_scored, by customer_segments, which stores
    every customer once.
#}
{{ config(materialized='view') }}

with

customers as (

    select * from {{ ref('int_customer_events_summed') }}

),

{# The as-of date of this run: the days count to it, whichever date a
   customer's stored figures were last added to for. #}
as_of as (

    select {{ as_of_date() }} as as_of_date

),

final as (

    select
        customers.customer_id,
        as_of.as_of_date,
        cast(
            {{ dbt.datediff(
                'cast(customers.last_order_at as date)', 'as_of.as_of_date', 'day'
            ) }}
            as integer
        ) as recency_days,
        customers.frequency,
        customers.monetary,
        cast(
            case
                when customers.frequency > 0
                    then customers.monetary / customers.frequency
            end
            as decimal(18, 2)
        ) as average_order_value,
        customers.first_order_at,
        customers.last_order_at,
        customers.first_event_at,
        customers.last_event_at,
        cast(
            {{ dbt.datediff(
                'cast(customers.last_event_at as date)', 'as_of.as_of_date', 'day'
            ) }}
            as integer
        ) as days_since_last_event,
        cast(
            {{ dbt.datediff(
                'cast(customers.first_event_at as date)', 'as_of.as_of_date', 'day'
            ) }}
            as integer
        ) as tenure_days,
        cast(customers.event_count as integer) as event_count

    from customers

    cross join as_of

)

select * from final
