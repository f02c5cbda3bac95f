with

checked_events as (

    select * from {{ ref('base_clickstream__events') }}
    where rejection_reason is null

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

    from checked_events

)

select * from renamed
