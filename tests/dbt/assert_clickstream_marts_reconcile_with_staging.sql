-- A code invariant re-checked over the whole input: CI runs it (selectors.yml).
{{ config(tags=['ci_only']) }}
{#
    Each clicks_by_* mart adds back up to staging: per mart and day, the events
    of each type equal the staged events with a key, and the rows equal the
    staged distinct keys. Catches a day an incremental run missed.
#}
with

events as (

    select * from {{ ref('stg_clickstream__events') }}

),

clicks_by_user as (

    select * from {{ ref('clicks_by_user') }}

),

clicks_by_product as (

    select * from {{ ref('clicks_by_product') }}

),

clicks_by_offer as (

    select * from {{ ref('clicks_by_offer') }}

),

{# One pass over the events for all three marts, summed to days, then one
   row per mart and day; a day without a key for a mart has no row in it. #}
staged_events_summed_to_days as (

    select
        event_date,
        count(distinct customer_id) as user_key_days,
        count(case when event_type = 'impression' then customer_id end)
            as user_impressions,
        count(case when event_type = 'click' then customer_id end)
            as user_clicks,
        count(case when event_type = 'add_to_cart' then customer_id end)
            as user_add_to_carts,
        count(case when event_type = 'purchase' then customer_id end)
            as user_purchases,
        count(distinct product_id) as product_key_days,
        count(case when event_type = 'impression' then product_id end)
            as product_impressions,
        count(case when event_type = 'click' then product_id end)
            as product_clicks,
        count(case when event_type = 'add_to_cart' then product_id end)
            as product_add_to_carts,
        count(case when event_type = 'purchase' then product_id end)
            as product_purchases,
        count(distinct offer_id) as offer_key_days,
        count(case when event_type = 'impression' then offer_id end)
            as offer_impressions,
        count(case when event_type = 'click' then offer_id end)
            as offer_clicks,
        count(case when event_type = 'add_to_cart' then offer_id end)
            as offer_add_to_carts,
        count(case when event_type = 'purchase' then offer_id end)
            as offer_purchases

    from events

    group by 1

),

staged_keys_summed_to_days as (

    select
        'clicks_by_user' as mart_name,
        event_date,
        user_key_days as key_days,
        user_impressions as impressions,
        user_clicks as clicks,
        user_add_to_carts as add_to_carts,
        user_purchases as purchases

    from staged_events_summed_to_days

    where user_key_days > 0

    union all

    select
        'clicks_by_product' as mart_name,
        event_date,
        product_key_days as key_days,
        product_impressions as impressions,
        product_clicks as clicks,
        product_add_to_carts as add_to_carts,
        product_purchases as purchases

    from staged_events_summed_to_days

    where product_key_days > 0

    union all

    select
        'clicks_by_offer' as mart_name,
        event_date,
        offer_key_days as key_days,
        offer_impressions as impressions,
        offer_clicks as clicks,
        offer_add_to_carts as add_to_carts,
        offer_purchases as purchases

    from staged_events_summed_to_days

    where offer_key_days > 0

),

mart_rows as (

    select
        'clicks_by_user' as mart_name,
        event_date,
        impressions,
        clicks,
        add_to_carts,
        purchases

    from clicks_by_user

    union all

    select
        'clicks_by_product' as mart_name,
        event_date,
        impressions,
        clicks,
        add_to_carts,
        purchases

    from clicks_by_product

    union all

    select
        'clicks_by_offer' as mart_name,
        event_date,
        impressions,
        clicks,
        add_to_carts,
        purchases

    from clicks_by_offer

),

mart_rows_summed_to_days as (

    select
        mart_name,
        event_date,
        count(*) as key_days,
        sum(impressions) as impressions,
        sum(clicks) as clicks,
        sum(add_to_carts) as add_to_carts,
        sum(purchases) as purchases

    from mart_rows

    group by 1, 2

),

mismatches as (

    select
        staged.mart_name as staged_mart_name,
        counted.mart_name as counted_mart_name,
        staged.event_date as staged_event_date,
        counted.event_date as counted_event_date,
        staged.key_days as staged_key_days,
        counted.key_days as counted_key_days,
        staged.impressions as staged_impressions,
        counted.impressions as counted_impressions,
        staged.clicks as staged_clicks,
        counted.clicks as counted_clicks,
        staged.add_to_carts as staged_add_to_carts,
        counted.add_to_carts as counted_add_to_carts,
        staged.purchases as staged_purchases,
        counted.purchases as counted_purchases

    from staged_keys_summed_to_days as staged

    full outer join mart_rows_summed_to_days as counted
        on staged.mart_name = counted.mart_name
        and staged.event_date = counted.event_date

    where staged.mart_name is null
        or counted.mart_name is null
        or staged.key_days <> counted.key_days
        or staged.impressions <> counted.impressions
        or staged.clicks <> counted.clicks
        or staged.add_to_carts <> counted.add_to_carts
        or staged.purchases <> counted.purchases

)

select * from mismatches
