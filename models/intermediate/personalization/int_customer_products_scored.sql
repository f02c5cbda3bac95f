{#
    Every product a known customer interacted with, in either feed, and the
    customer's affinity to it on the as-of date: the sum of the decayed event
    weights, from its sum anchored in int_product_interactions_weighted. All
    products, not only the top N, so that any offer's product can be scored.
    A view: the score moves with the as-of date for every pair, the stored
    sums and ranks do not.
#}
{{ config(materialized='view') }}

{%- set half_life_days = numeric_var(
    'affinity_half_life_days', whole=false, positive=true
) %}

with

interactions as (

    select * from {{ ref('int_product_interactions_weighted') }}
    where customer_id is not null

),

{# The customers' as-of date: the same date as_of_date() gives, read from a
   small table instead of the events. #}
as_of as (

    select max(as_of_date) as as_of_date
    from {{ ref('int_customers_summarized') }}

),

final as (

    select
        interactions.customer_id,
        interactions.product_id,
        as_of.as_of_date,
        interactions.anchored_score * {{
            affinity_decay_factor(
                'interactions.anchor_date', 'as_of.as_of_date', half_life_days
            )
        }} as affinity_score,
        interactions.event_count,
        interactions.last_event_at,
        interactions.affinity_rank

    from interactions

    cross join as_of

)

select * from final
