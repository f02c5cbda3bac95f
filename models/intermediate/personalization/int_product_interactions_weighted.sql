{#
    Each customer and product's summed event weights, decayed to the as-of
    date: int_product_interactions_summed keeps the sums decayed to the pair's
    last event (so they hold from day to day); one more factor, 0.5 ^ (days
    from the last event to the as-of date / affinity_half_life_days), brings
    them to the as-of date. A view: the factor is cheap, and a daily build
    copies nothing. An event one half-life old counts half.
#}
{{ config(materialized='view') }}
{%- set half_life_days = numeric_var(
    'affinity_half_life_days', whole=false, positive=true
) -%}

with

summed as (

    select * from {{ ref('int_product_interactions_summed') }}

),

{# Today's as-of date: a row summed on an earlier run holds that run's. #}
as_of as (

    select {{ as_of_date() }} as as_of_date

),

final as (

    select
        summed.customer_id,
        summed.product_id,
        as_of.as_of_date,
        cast(
            cast(summed.weight_sum_at_last_event as double) * power(
                0.5,
                {{ dbt.datediff(
                    'summed.last_event_at',
                    'cast(as_of.as_of_date as timestamp)',
                    'second',
                ) }} / 86400.0 / {{ half_life_days }}
            ) as decimal(38, 12)
        ) as decayed_weight_sum,
        summed.event_count,
        summed.weighted_event_count,
        summed.last_event_at

    from summed

    cross join as_of

)

select * from final
