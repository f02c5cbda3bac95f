with

upload_rows as (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is not null

),

clickstream_lines as (

    select * from {{ ref('base_clickstream__events') }}
    where rejection_reason is not null

),

upload_rows_rejected as (

    select
        'uploads' as source_name,
        source_file,
        source_row_number,
        rejection_reason,
        raw_event_name,
        raw_product_code,
        raw_product_name,
        raw_product_description,
        raw_unit_price,
        raw_quantity,
        raw_customer_id,
        raw_username,
        raw_channel_type,
        raw_address,
        raw_city,
        raw_state,
        raw_country,
        raw_event_time,
        cast(null as varchar) as raw_line

    from upload_rows

),

clickstream_lines_rejected as (

    select
        'clickstream' as source_name,
        source_file,
        source_row_number,
        rejection_reason,
        cast(null as varchar) as raw_event_name,
        cast(null as varchar) as raw_product_code,
        cast(null as varchar) as raw_product_name,
        cast(null as varchar) as raw_product_description,
        cast(null as varchar) as raw_unit_price,
        cast(null as varchar) as raw_quantity,
        cast(null as varchar) as raw_customer_id,
        cast(null as varchar) as raw_username,
        cast(null as varchar) as raw_channel_type,
        cast(null as varchar) as raw_address,
        cast(null as varchar) as raw_city,
        cast(null as varchar) as raw_state,
        cast(null as varchar) as raw_country,
        cast(null as varchar) as raw_event_time,
        raw_line

    from clickstream_lines

),

rejected as (

    select * from upload_rows_rejected

    union all

    select * from clickstream_lines_rejected

),

final as (

    select
        cast(source_name as varchar) as source_name,
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
        cast(raw_event_time as varchar) as raw_event_time,
        cast(raw_line as varchar) as raw_line

    from rejected

)

select * from final
