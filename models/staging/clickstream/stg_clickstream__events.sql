with

checked_events as (

    select * from {{ ref('base_clickstream__events') }}
    where rejection_reason is null

),

redeliveries as (

    select * from {{ ref('base_clickstream__redeliveries') }}

),

{# A hash anti-join against the few redeliveries. #}
first_deliveries as (

    select checked_events.*

    from checked_events

    left join redeliveries
        on checked_events.source_file = redeliveries.source_file
        and checked_events.source_row_number = redeliveries.source_row_number

    where redeliveries.source_file is null

),

renamed as (

    select
        event_id,
        event_type,
        event_at,
        cast(event_at as date) as event_date,
        customer_id,
        session_id,
        product_id,
        offer_id,
        channel,
        source_file,
        source_row_number,
        loaded_at

    from first_deliveries

)

select * from renamed
