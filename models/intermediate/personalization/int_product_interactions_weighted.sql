{#
    The accepted events of either feed that name a product, before the as-of
    date, summed to customer and product. Each event's weight from
    event_weights is decayed by age: weight x 0.5 ^ (age in days /
    affinity_half_life_days), so an event one half-life old counts half.
    Anonymous clickstream events stay, summed to a null customer: they count
    towards overall popularity, not towards any customer. Summing here, once,
    spares every consumer a scan of the events.
#}
{%- set half_life_days = numeric_var(
    'affinity_half_life_days', whole=false, positive=true
) -%}

with

uploads as (

    select * from {{ ref('stg_uploads__events') }}

),

clicks as (

    select * from {{ ref('stg_clickstream__events') }}

),

weights as (

    select * from {{ ref('event_weights') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

interactions as (

    select
        'uploads' as source_name,
        customer_id,
        product_code as product_id,
        event_type,
        event_at

    from uploads

    union all

    select
        'clickstream' as source_name,
        customer_id,
        product_id,
        event_type,
        event_at

    from clicks

),

interactions_before_as_of as (

    select
        interactions.source_name,
        interactions.customer_id,
        interactions.product_id,
        interactions.event_type,
        interactions.event_at,
        as_of.as_of_date

    from interactions

    cross join as_of

    where interactions.product_id is not null
        and interactions.event_at < as_of.as_of_date

),

{# A left join, so that an event type without a weight shows as an event
   without a weight (a test fails) instead of silently dropping out. #}
interactions_weighted as (

    select
        interactions_before_as_of.customer_id,
        interactions_before_as_of.product_id,
        interactions_before_as_of.as_of_date,
        interactions_before_as_of.event_at,
        weights.weight,
        weights.weight * power(
            0.5,
            {{ dbt.datediff(
                'interactions_before_as_of.event_at',
                'cast(interactions_before_as_of.as_of_date as timestamp)',
                'second'
            ) }} / 86400.0 / {{ half_life_days }}
        ) as decayed_weight

    from interactions_before_as_of

    left join weights
        on interactions_before_as_of.source_name = weights.source_name
        and interactions_before_as_of.event_type = weights.event_type

),

interactions_summed_to_customer_products as (

    select
        customer_id,
        product_id,
        as_of_date,
        {# Summed as decimals: a float sum depends on row order, and the same
           events must give the same score, run after run. Kept as a decimal
           so that sums of these sums are exact too. #}
        sum(cast(cast(decayed_weight as double) as decimal(38, 12)))
            as decayed_weight_sum,
        count(*) as event_count,
        count(weight) as weighted_event_count,
        max(event_at) as last_event_at

    from interactions_weighted

    group by 1, 2, 3

),

final as (

    select
        customer_id,
        product_id,
        as_of_date,
        cast(decayed_weight_sum as decimal(38, 12)) as decayed_weight_sum,
        cast(event_count as bigint) as event_count,
        cast(weighted_event_count as bigint) as weighted_event_count,
        last_event_at

    from interactions_summed_to_customer_products

)

select * from final
