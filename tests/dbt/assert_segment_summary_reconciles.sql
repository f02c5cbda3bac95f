{# The summary adds back up to customer_segments: customers and revenue. #}
with

summary as (

    select
        sum(customers) as customers,
        sum(revenue) as revenue

    from {{ ref('segment_summary') }}

),

customers as (

    select
        count(*) as customers,
        sum(monetary) as revenue

    from {{ ref('customer_segments') }}

)

select *

from summary

cross join customers

where summary.customers <> customers.customers
    or summary.revenue <> customers.revenue
