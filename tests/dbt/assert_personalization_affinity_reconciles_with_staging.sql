-- A code invariant re-checked over the whole input: CI runs it (selectors.yml).
{{ config(tags=['ci_only']) }}
{#
    Affinity and cold-start lists add back up to the staged events of both
    feeds before the as-of date: event counts per customer and product and per
    product overall, and each customer keeps min(top N, products) rows.
#}
{%- set affinity_top_n = numeric_var('affinity_top_n', positive=true) %}

with

uploads as (

    select * from {{ ref('stg_uploads__events') }}

),

clicks as (

    select * from {{ ref('stg_clickstream__events') }}

),

affinities as (

    select * from {{ ref('user_product_affinity') }}

),

cold_start as (

    select * from {{ ref('cold_start_products') }}

),

staged_events as (

    select
        customer_id,
        product_code as product_id

    from uploads

    where product_code is not null
        and event_at < {{ as_of_date() }}

    union all

    select
        customer_id,
        product_id

    from clicks

    where product_id is not null
        and event_at < {{ as_of_date() }}

),

{# Summed once to customer (null for anonymous visitors) and product; the
   product totals add those sums up rather than scanning the events again. #}
staged_events_summed as (

    select
        customer_id,
        product_id,
        count(*) as event_count

    from staged_events

    group by 1, 2

),

staged_customer_products as (

    select
        customer_id,
        product_id,
        event_count

    from staged_events_summed

    where customer_id is not null

),

staged_products as (

    select
        product_id,
        sum(event_count) as event_count

    from staged_events_summed

    group by 1

),

staged_customers as (

    select
        customer_id,
        count(*) as product_count

    from staged_customer_products

    group by 1

),

affinity_customers as (

    select
        customer_id,
        count(*) as product_count

    from affinities

    group by 1

),

problems as (

    select
        affinities.customer_id,
        affinities.product_id,
        'affinity event_count differs from staging' as problem

    from affinities

    left join staged_customer_products
        on affinities.customer_id = staged_customer_products.customer_id
        and affinities.product_id = staged_customer_products.product_id

    where staged_customer_products.event_count is null
        or affinities.event_count <> staged_customer_products.event_count

    union all

    select
        cold_start.rfm_segment as customer_id,
        cold_start.product_id,
        'overall event_count differs from staging' as problem

    from cold_start

    left join staged_products
        on cold_start.product_id = staged_products.product_id

    where cold_start.rfm_segment = 'all'
        and (
            staged_products.event_count is null
            or cold_start.event_count <> staged_products.event_count
        )

    union all

    select
        staged_customers.customer_id,
        cast(null as varchar) as product_id,
        'customer does not keep min(top N, products) rows' as problem

    from staged_customers

    left join affinity_customers
        on staged_customers.customer_id = affinity_customers.customer_id

    where coalesce(affinity_customers.product_count, 0)
        <> least({{ affinity_top_n }}, staged_customers.product_count)

)

select * from problems
