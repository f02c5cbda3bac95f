{#
    Which offers work for which segment? Offer impressions, clicks and
    purchases of known customers, by the customer's current segment, with CTR
    and conversion. Segments with few impressions are noisy: the filter keeps
    pairs with at least 100.
#}
with

events as (

    select * from {{ ref('stg_clickstream__events') }}
    where offer_id is not null
        and customer_id is not null

),

customers as (

    select * from {{ ref('customer_segments') }}

),

offers as (

    select * from {{ ref('offers') }}

),

events_counted as (

    select
        customers.rfm_segment,
        events.offer_id,
        count(
            distinct case when events.event_type = 'impression' then events.event_id end
        ) as impressions,
        count(
            distinct case when events.event_type = 'click' then events.event_id end
        ) as clicks,
        count(
            distinct case when events.event_type = 'purchase' then events.event_id end
        ) as purchases

    from events

    inner join customers
        on events.customer_id = customers.customer_id

    group by 1, 2

),

offer_performance as (

    select
        events_counted.rfm_segment,
        events_counted.offer_id,
        offers.offer_name,
        events_counted.impressions,
        events_counted.clicks,
        events_counted.purchases,
        events_counted.clicks * 1.0
        / nullif(events_counted.impressions, 0) as ctr,
        events_counted.purchases * 1.0
        / nullif(events_counted.clicks, 0) as conversion_rate

    from events_counted

    left join offers
        on events_counted.offer_id = offers.offer_id

    where events_counted.impressions >= 100

)

select * from offer_performance
order by rfm_segment asc, ctr desc
