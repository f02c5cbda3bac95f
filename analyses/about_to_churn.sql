{#
    Who is about to churn? Customers who used to buy well (frequency and spend
    scores of 3 or more) but whose recency score has dropped to 1 or 2: the
    At Risk and Can't Lose Them audiences, biggest spenders first.
#}
with

customers as (

    select * from {{ ref('customer_segments') }}

),

slipping as (

    select
        customer_id,
        rfm_segment,
        rfm_score,
        recency_days,
        days_since_last_event,
        frequency,
        monetary

    from customers

    where r_score <= 2
        and f_score >= 3
        and m_score >= 3

)

select * from slipping
order by monetary desc
limit 500
