{#
    Every product a known customer interacted with, in either feed, and the
    customer's affinity to it: the sum of the decayed event weights. All
    products, not only the top N, so that any offer's product can be scored.
#}
with

interactions as (

    select * from {{ ref('int_product_interactions_weighted') }}
    where customer_id is not null

),

interactions_summed_to_customer_products as (

    select
        customer_id,
        product_id,
        as_of_date,
        {# Summed as decimals: a float sum depends on row order, and the same
           events must give the same score, run after run. #}
        cast(sum(cast(decayed_weight as decimal(38, 12))) as double)
            as affinity_score,
        count(*) as event_count,
        max(event_at) as last_event_at

    from interactions

    group by 1, 2, 3

),

final as (

    select
        customer_id,
        product_id,
        as_of_date,
        affinity_score,
        cast(event_count as bigint) as event_count,
        last_event_at,
        cast(
            row_number() over (
                partition by customer_id
                order by affinity_score desc, last_event_at desc, product_id asc
            ) as integer
        ) as affinity_rank

    from interactions_summed_to_customer_products

)

select * from final
