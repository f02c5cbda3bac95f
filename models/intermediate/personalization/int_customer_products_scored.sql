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

final as (

    select
        customer_id,
        product_id,
        as_of_date,
        cast(decayed_weight_sum as double) as affinity_score,
        cast(event_count as bigint) as event_count,
        last_event_at,
        cast(
            row_number() over (
                partition by customer_id
                order by
                    cast(decayed_weight_sum as double) desc,
                    last_event_at desc,
                    product_id asc
            ) as integer
        ) as affinity_rank

    from interactions

)

select * from final
