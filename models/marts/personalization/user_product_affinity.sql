{#
    Each known customer's top affinity_top_n products. A view: the ranks are
    stored by int_product_interactions_weighted, which a run updates for the
    customers with new events only, while the scores move with the as-of date
    for every pair; a copy would rewrite every pair on every run.
#}
{{ config(materialized='view') }}

{%- set top_n = numeric_var('affinity_top_n', positive=true) -%}

with

scored as (

    select * from {{ ref('int_customer_products_scored') }}
    where affinity_rank <= {{ top_n }}

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(product_id as varchar) as product_id,
        cast(affinity_rank as integer) as affinity_rank,
        cast(affinity_score as double) as affinity_score,
        cast(event_count as bigint) as event_count,
        cast(last_event_at as timestamp) as last_event_at,
        cast(as_of_date as date) as as_of_date

    from scored

)

select * from final
