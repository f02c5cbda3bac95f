with

customers as (

    select * from {{ ref('int_customers_clustered') }}

),

final as (

    select
        cast(customers.customer_id as varchar) as customer_id,
        cast(customers.as_of_date as date) as as_of_date,
        cast(customers.recency_days as integer) as recency_days,
        cast(customers.frequency as integer) as frequency,
        cast(customers.monetary as decimal(18, 2)) as monetary,
        cast(customers.r_score as integer) as r_score,
        cast(customers.f_score as integer) as f_score,
        cast(customers.m_score as integer) as m_score,
        cast(customers.rfm_score as varchar) as rfm_score,
        cast(customers.rfm_segment as varchar) as rfm_segment,
        cast(customers.cluster_id as integer) as cluster_id,
        cast(customers.average_order_value as decimal(18, 2))
            as average_order_value,
        cast(customers.first_order_at as timestamp) as first_order_at,
        cast(customers.last_order_at as timestamp) as last_order_at,
        cast(customers.first_event_at as timestamp) as first_event_at,
        cast(customers.last_event_at as timestamp) as last_event_at,
        cast(customers.days_since_last_event as integer) as days_since_last_event,
        cast(customers.tenure_days as integer) as tenure_days,
        cast(customers.event_count as integer) as event_count

    from customers

)

select * from final
