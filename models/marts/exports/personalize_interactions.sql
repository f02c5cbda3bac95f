{#
    The Personalize Interactions dataset, from the upload events for now: one
    row per customer, product, second and event type (repeats within a second
    are one interaction). event_id is a hash of exactly those four values, so
    a resent event carries the same id and Personalize keeps one copy.
    Uploads have no sessions: a customer's UTC day stands in for one.
#}
with

events as (

    select * from {{ ref('stg_uploads__events') }}
    where product_code is not null

),

interactions as (

    select
        customer_id as user_id,
        product_code as item_id,
        cast(epoch(date_trunc('second', event_at)) as bigint) as event_timestamp,
        event_type,
        min(event_at) as event_at

    from events

    group by 1, 2, 3, 4

),

final as (

    select
        cast(
            {{ dbt.hash(
                "user_id || chr(31) || item_id || chr(31)"
                ~ " || cast(event_timestamp as varchar) || chr(31) || event_type"
            ) }} as varchar
        ) as event_id,
        cast(user_id as varchar) as user_id,
        cast(item_id as varchar) as item_id,
        cast(event_timestamp as bigint) as event_timestamp,
        cast(event_type as varchar) as event_type,
        cast(
            user_id || '-' || strftime(cast(event_at as date), '%Y%m%d') as varchar
        ) as session_id

    from interactions

)

select * from final
