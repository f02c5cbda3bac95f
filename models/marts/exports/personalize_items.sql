{#
    The Personalize Items dataset: one row per product seen in accepted
    events. The price is the latest one seen; the band uses fixed edges so a
    product changes band only when its own price moves. No customer data.
#}
with

{# Each product's latest price and first sighting, kept incrementally. #}
latest_prices as (

    select * from {{ ref('int_products_priced') }}

),

latest_prices_banded as (

    select
        latest_prices.product_code,
        latest_prices.unit_price,
        latest_prices.first_seen_at,
        case
            when latest_prices.unit_price < 10 then 'under_10'
            when latest_prices.unit_price < 25 then '10_to_25'
            when latest_prices.unit_price < 50 then '25_to_50'
            when latest_prices.unit_price < 100 then '50_to_100'
            when latest_prices.unit_price < 250 then '100_to_250'
            else '250_and_over'
        end as price_band

    from latest_prices

),

final as (

    select
        cast(product_code as varchar) as item_id,
        cast(price_band as varchar) as price_band,
        cast(unit_price as double) as unit_price,
        cast(epoch(first_seen_at) as bigint) as creation_timestamp

    from latest_prices_banded

)

select * from final
