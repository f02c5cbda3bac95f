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

staged_keys as (

    select
        'clicks_by_user' as mart_name,
        customer_id as key_value,
        event_date,
        event_type

    from events

    where customer_id is not null

    union all

    select
        'clicks_by_product' as mart_name,
        product_id as key_value,
        event_date,
        event_type

    from events

    where product_id is not null

    union all

    select
        'clicks_by_offer' as mart_name,
        offer_id as key_value,
        event_date,
        event_type

    from events

    where offer_id is not null

),

staged_keys_summed_to_days as (

    select
        mart_name,
        event_date,
        count(distinct key_value) as key_days,
        sum(case when event_type = 'impression' then 1 else 0 end) as impressions,
        sum(case when event_type = 'click' then 1 else 0 end) as clicks,
        sum(case when event_type = 'add_to_cart' then 1 else 0 end) as add_to_carts,
        sum(case when event_type = 'purchase' then 1 else 0 end) as purchases

    from staged_keys

    group by 1, 2

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
