{#
    The Personalize Items dataset: one row per product seen in accepted
    events. The price is the latest one seen; the band uses fixed edges so a
    product changes band only when its own price moves. No customer data.
#}
with

events as (

    select * from {{ ref('stg_uploads__events') }}
    where product_code is not null

),

prices_ranked as (

    select
        product_code,
        unit_price,
        event_at,
        row_number() over (
            partition by product_code
            order by event_at desc, source_file desc, source_row_number desc
        ) as recency_rank,
        min(event_at) over (partition by product_code) as first_seen_at

    from events

),

latest_prices as (

    select
        product_code,
        unit_price,
        first_seen_at,
        case
            when unit_price < 10 then 'under_10'
            when unit_price < 25 then '10_to_25'
            when unit_price < 50 then '25_to_50'
            when unit_price < 100 then '50_to_100'
            when unit_price < 250 then '100_to_250'
            else '250_and_over'
        end as price_band

    from prices_ranked

    where recency_rank = 1

),

final as (

    select
        cast(product_code as varchar) as item_id,
        cast(price_band as varchar) as price_band,
        cast(unit_price as double) as unit_price,
        cast(epoch(first_seen_at) as bigint) as creation_timestamp

    from latest_prices

)

select * from final
