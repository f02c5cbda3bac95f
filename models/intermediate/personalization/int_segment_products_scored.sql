{#
    Product popularity, the sum of decayed event weights, overall (rfm_segment
    'all': every event, anonymous visitors included) and within each segment
    (events of the segment's customers), ranked. What to show someone with no
    history of their own.
#}
with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
interactions as {{ cte_materialization(false) }} (

    select * from {{ ref('int_product_interactions_weighted') }}

),

customers as (

    select * from {{ ref('int_customers_scored') }}

),

{# Interactions are one row per customer (or the anonymous null) and
   product: sums of their decimal sums are exact, so a score does not depend
   on row order, and counting customers needs no distinct. #}
interactions_summed_to_products as (

    select
        'all' as rfm_segment,
        product_id,
        as_of_date,
        cast(sum(decayed_weight_sum) as double) as popularity_score,
        sum(event_count) as event_count,
        count(customer_id) as customers

    from interactions

    group by 1, 2, 3

),

interactions_summed_to_segment_products as (

    select
        customers.rfm_segment,
        interactions.product_id,
        interactions.as_of_date,
        cast(sum(interactions.decayed_weight_sum) as double) as popularity_score,
        sum(interactions.event_count) as event_count,
        count(interactions.customer_id) as customers

    from interactions

    inner join customers
        on interactions.customer_id = customers.customer_id

    group by 1, 2, 3

),

audience_products as (

    select * from interactions_summed_to_products

    union all

    select * from interactions_summed_to_segment_products

),

final as (

    select
        rfm_segment,
        product_id,
        as_of_date,
        popularity_score,
        cast(event_count as bigint) as event_count,
        cast(customers as bigint) as customers,
        cast(
            row_number() over (
                partition by rfm_segment
                order by popularity_score desc, product_id asc
            ) as integer
        ) as popularity_rank

    from audience_products

)

select * from final
