{%- set top_n = numeric_var('cold_start_top_n', positive=true) -%}

with

scored as (

    select * from {{ ref('int_segment_products_scored') }}
    where popularity_rank <= {{ top_n }}

),

final as (

    select
        cast(rfm_segment as varchar) as rfm_segment,
        cast(product_id as varchar) as product_id,
        cast(popularity_rank as integer) as popularity_rank,
        cast(popularity_score as double) as popularity_score,
        cast(event_count as bigint) as event_count,
        cast(customers as bigint) as customers,
        cast(as_of_date as date) as as_of_date

    from scored

)

select * from final
