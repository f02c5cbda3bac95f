with

checked_events as (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is not null

),

final as (

    select
        cast('uploads' as varchar) as source_name,
        cast(source_file as varchar) as source_file,
        cast(source_row_number as bigint) as source_row_number,
        cast(rejection_reason as varchar) as rejection_reason,
        cast(raw_event_name as varchar) as raw_event_name,
        cast(raw_product_code as varchar) as raw_product_code,
        cast(raw_product_name as varchar) as raw_product_name,
        cast(raw_product_description as varchar) as raw_product_description,
        cast(raw_unit_price as varchar) as raw_unit_price,
        cast(raw_quantity as varchar) as raw_quantity,
        cast(raw_customer_id as varchar) as raw_customer_id,
        cast(raw_username as varchar) as raw_username,
        cast(raw_channel_type as varchar) as raw_channel_type,
        cast(raw_address as varchar) as raw_address,
        cast(raw_city as varchar) as raw_city,
        cast(raw_state as varchar) as raw_state,
        cast(raw_country as varchar) as raw_country,
        cast(raw_event_time as varchar) as raw_event_time

    from checked_events

)

select * from final
