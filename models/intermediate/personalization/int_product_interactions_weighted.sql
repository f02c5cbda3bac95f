{#
    Every accepted event of either feed that names a product, before the as-of
    date, with its weight from event_weights and that weight decayed by age:
    weight x 0.5 ^ (age in days / affinity_half_life_days), so an event one
    half-life old counts half. Anonymous clickstream events stay: they count
    towards overall popularity, not towards any customer.
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
        source_file,
        source_row_number,
        customer_id,
        product_code as product_id,
        event_type,
        event_at

    from uploads

    union all

    select
        'clickstream' as source_name,
        source_file,
        source_row_number,
        customer_id,
        product_id,
        event_type,
        event_at

    from clicks

),

interactions_before_as_of as (

    select
        interactions.source_name,
        interactions.source_file,
        interactions.source_row_number,
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

{# A left join, so that an event type without a weight fails the not_null
   test on weight instead of silently dropping out. #}
interactions_weighted as (

    select
        interactions_before_as_of.*,
        weights.weight,
        {{ dbt.datediff(
            'interactions_before_as_of.event_at',
            'cast(interactions_before_as_of.as_of_date as timestamp)',
            'second'
        ) }} / 86400.0 as age_days

    from interactions_before_as_of

    left join weights
        on interactions_before_as_of.source_name = weights.source_name
        and interactions_before_as_of.event_type = weights.event_type

),

final as (

    select
        source_name,
        source_file,
        source_row_number,
        customer_id,
        product_id,
        event_type,
        event_at,
        as_of_date,
        cast(weight as double) as weight,
        cast(age_days as double) as age_days,
        cast(
            weight * power(0.5, age_days / {{ half_life_days }}) as double
        ) as decayed_weight

    from interactions_weighted

)

select * from final
