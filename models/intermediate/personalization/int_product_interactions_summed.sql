{#
    The accepted events of either feed that name a product, before the as-of
    date, summed to customer and product. Each event's weight from
    event_weights is decayed to the pair's last event: weight x 0.5 ^ (days
    before the last event / affinity_half_life_days). A sum taken to the last
    event does not change as the as-of date moves; int_product_interactions_weighted
    decays it the rest of the way, to the as-of date. Anonymous clickstream
    events stay, summed to a null customer: they count towards overall
    popularity, not towards any customer.

    Incremental by customer: a run sums again, from all of their events, only
    the customers (and the anonymous visitors, as one) with events loaded
    since the last run or that the as-of date has moved past; everyone when
    the as-of date moves back or the half-life changes. The sums are the same
    either way, so an incremental build ends where a full refresh does.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key=['customer_key', 'product_id'],
    on_schema_change='fail',
) }}
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
        {{ dbt.concat(["'c:'", 'customer_id']) }} as customer_key,
        product_code as product_id,
        event_type,
        event_at,
        loaded_at

    from uploads

    union all

    select
        'clickstream' as source_name,
        customer_id,
        coalesce({{ dbt.concat(["'c:'", 'customer_id']) }}, 'anonymous')
            as customer_key,
        product_id,
        event_type,
        event_at,
        loaded_at

    from clicks

),

{% if is_incremental() -%}
previous_run as (

    select
        max(loaded_through) as loaded_through,
        max(as_of_date) as as_of_date,
        max(half_life_days) as half_life_days

    from {{ this }}

),

customers_to_refresh as (

    select distinct interactions.customer_key

    from interactions

    cross join previous_run

    cross join as_of

    where interactions.loaded_at > previous_run.loaded_through
        or (
            interactions.event_at >= previous_run.as_of_date
            and interactions.event_at < as_of.as_of_date
        )
        or as_of.as_of_date < previous_run.as_of_date
        or previous_run.half_life_days <> {{ half_life_days }}

),

{% endif -%}
interactions_before_as_of as (

    select
        interactions.source_name,
        interactions.customer_id,
        interactions.customer_key,
        interactions.product_id,
        interactions.event_type,
        interactions.event_at,
        as_of.as_of_date

    from interactions

    cross join as_of

    {%- if is_incremental() %}

    inner join customers_to_refresh
        on interactions.customer_key = customers_to_refresh.customer_key
    {%- endif %}

    where interactions.product_id is not null
        and interactions.event_at < as_of.as_of_date

),

last_events as (

    select
        customer_key,
        product_id,
        max(event_at) as last_event_at

    from interactions_before_as_of

    group by 1, 2

),

{# A left join, so that an event type without a weight shows as an event
   without a weight (a test fails) instead of silently dropping out. #}
interactions_weighted as (

    select
        interactions_before_as_of.customer_id,
        interactions_before_as_of.customer_key,
        interactions_before_as_of.product_id,
        interactions_before_as_of.as_of_date,
        interactions_before_as_of.event_at,
        weights.weight,
        last_events.last_event_at

    from interactions_before_as_of

    inner join last_events
        on interactions_before_as_of.customer_key = last_events.customer_key
        and interactions_before_as_of.product_id = last_events.product_id

    left join weights
        on interactions_before_as_of.source_name = weights.source_name
        and interactions_before_as_of.event_type = weights.event_type

),

interactions_summed_to_customer_products as (

    select
        customer_id,
        customer_key,
        product_id,
        as_of_date,
        last_event_at,
        {# Summed as decimals: a float sum depends on row order, and the same
           events must give the same score, run after run. #}
        sum(cast(cast(weight * power(
            0.5,
            {{ dbt.datediff('event_at', 'last_event_at', 'second') }}
            / 86400.0 / {{ half_life_days }}
        ) as double) as decimal(38, 12))) as weight_sum_at_last_event,
        count(*) as event_count,
        count(weight) as weighted_event_count

    from interactions_weighted

    group by 1, 2, 3, 4, 5

),

final as (

    select
        customer_id,
        customer_key,
        product_id,
        as_of_date,
        cast(weight_sum_at_last_event as decimal(38, 12))
            as weight_sum_at_last_event,
        cast(event_count as bigint) as event_count,
        cast(weighted_event_count as bigint) as weighted_event_count,
        last_event_at,
        cast({{ half_life_days }} as double) as half_life_days,
        (select max(interactions.loaded_at) from interactions) as loaded_through

    from interactions_summed_to_customer_products

)

select * from final
