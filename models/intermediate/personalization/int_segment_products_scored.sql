{#
    Product popularity, the sum of decayed event weights, overall (rfm_segment
    'all': every event, anonymous visitors included) and within each segment
    (events of the segment's customers), ranked. What to show someone with no
    history of their own. Sums of the anchored sums of
    int_product_interactions_weighted, turned into scores on the as-of date.
#}
{%- set half_life_days = numeric_var(
    'affinity_half_life_days', whole=false, positive=true
) %}

with

interactions as (

    select * from {{ ref('int_product_interactions_weighted') }}

),

customers as (

    select * from {{ ref('customer_segments') }}

),

as_of as (

    select max(as_of_date) as as_of_date from customers

),

{# Interactions are one row per customer (or the anonymous null) and
   product: sums of their decimal sums are exact, so a score does not depend
   on row order, and counting customers needs no distinct. One pass over the
   pairs: summed by segment, the pairs of anonymous visitors and of customers
   without a segment (no accepted upload event) under a null one. #}
interactions_summed_to_segment_products as (

    select
        customers.rfm_segment,
        interactions.product_id,
        interactions.anchor_date,
        sum(interactions.anchored_weight_sum) as anchored_weight_sum,
        sum(interactions.event_count) as event_count,
        count(interactions.customer_id) as customers

    from interactions

    left join customers
        on interactions.customer_id = customers.customer_id

    group by 1, 2, 3

),

{# 'all' is every pair, so the segments' sums (null included) added up. #}
interactions_summed_to_products as (

    select
        'all' as rfm_segment,
        product_id,
        anchor_date,
        sum(anchored_weight_sum) as anchored_weight_sum,
        sum(event_count) as event_count,
        sum(customers) as customers

    from interactions_summed_to_segment_products

    group by 1, 2, 3

),

audience_products_summed as (

    select * from interactions_summed_to_products

    union all

    select * from interactions_summed_to_segment_products
    where rfm_segment is not null

),

audience_products as (

    select
        audience_products_summed.rfm_segment,
        audience_products_summed.product_id,
        as_of.as_of_date,
        cast(audience_products_summed.anchored_weight_sum as double) * {{
            affinity_decay_factor(
                'audience_products_summed.anchor_date', 'as_of.as_of_date',
                half_life_days
            )
        }} as popularity_score,
        audience_products_summed.event_count,
        audience_products_summed.customers

    from audience_products_summed

    cross join as_of

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
