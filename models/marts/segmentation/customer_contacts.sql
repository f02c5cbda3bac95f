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
        events.source_file,
        events.source_row_number

    from events

    inner join customers
        on events.customer_id = customers.customer_id
        and events.event_at < customers.as_of_date

    where events.address is not null

),

{# The latest event by time, then file and row: unique, so one choice. #}
latest_contact_events as (

    {{ latest_row_per_group(
        'contact_events',
        'customer_id',
        ['event_at', 'source_file', 'source_row_number'],
        ['username', 'channel_type', 'address', 'city', 'state', 'country', 'event_at'],
    ) }}

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

    from latest_contact_events

)

select * from final
