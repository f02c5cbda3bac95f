{#
    Contact details live only here, so that marts read for analysis or sent to
    Personalize never carry them.
#}
with

events as (

    select * from {{ ref('stg_uploads__events') }}

),

customers as (

    select * from {{ ref('int_customers_summarized') }}

),

contact_events as (

    select
        events.customer_id,
        events.username,
        events.channel_type,
        events.address,
        events.city,
        events.state,
        events.country,
        events.event_at,
        row_number() over (
            partition by events.customer_id
            order by
                events.event_at desc,
                events.source_file desc,
                events.source_row_number desc
        ) as recency_rank

    from events

    inner join customers
        on events.customer_id = customers.customer_id
        and events.event_at < customers.as_of_date

    where events.address is not null

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(username as varchar) as username,
        cast(channel_type as varchar) as channel_type,
        cast(address as varchar) as address,
        cast(city as varchar) as city,
        cast(state as varchar) as state,
        cast(country as varchar) as country,
        cast(event_at as timestamp) as contact_seen_at

    from contact_events

    where recency_rank = 1

)

select * from final
