{#
    Who are my champions? The best customers by spend, with how recently and
    how often they buy. `dbt compile --select champions` prints runnable SQL.
#}
with

customers as (

    select * from {{ ref('customer_segments') }}

),

champions as (

    select
        customer_id,
        rfm_score,
        recency_days,
        frequency,
        monetary,
        average_order_value,
        cluster_id

    from customers

    where rfm_segment = 'Champions'

)

select * from champions
order by monetary desc
limit 100
