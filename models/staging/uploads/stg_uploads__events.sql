with

checked_events as (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is null

),

renamed as (

    select
        source_file,
        source_row_number,
        customer_id,
        event_type,
        event_at,
        product_code,
        product_name,
        product_description,
        unit_price,
        quantity,
        username,
        channel_type,
        address,
        city,
        state,
        country

    from checked_events

)

select * from renamed
