with

customers as (

    select * from {{ ref('customer_segments') }}

),

segments as (

    select
        rfm_segment,
        as_of_date,
        count(*) as customers,
        sum(monetary) as revenue,
        avg(recency_days) as average_recency_days,
        avg(frequency) as average_frequency,
        avg(monetary) as average_monetary

    from customers

    group by 1, 2

),

totals as (

    select
        sum(customers) as all_customers,
        sum(revenue) as all_revenue

    from segments

),

final as (

    select
        cast(segments.rfm_segment as varchar) as rfm_segment,
        cast(segments.as_of_date as date) as as_of_date,
        cast(segments.customers as bigint) as customers,
        cast(
            segments.customers * 1.0 / totals.all_customers as double
        ) as customer_share,
        cast(segments.revenue as decimal(18, 2)) as revenue,
        cast(
            case
                when totals.all_revenue > 0
                    then segments.revenue * 1.0 / totals.all_revenue
            end as double
        ) as revenue_share,
        cast(segments.average_recency_days as double) as average_recency_days,
        cast(segments.average_frequency as double) as average_frequency,
        cast(segments.average_monetary as double) as average_monetary

    from segments

    cross join totals

)

select * from final
