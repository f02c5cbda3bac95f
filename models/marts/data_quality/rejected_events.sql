with

{# Invalid rows keep their raw values as one JSON object (raw_values). #}
upload_rows as (

    select
        *,
        {{ parse_json_object('raw_values', upload_raw_columns()) }} as raw_record

    from {{ ref('base_uploads__events') }}

    where rejection_reason is not null

),

{# Duplicates are valid rows, stored parsed: their staged values stand in
   for the raw ones. #}
upload_duplicates as (

    select events.*

    from {{ ref('base_uploads__events') }} as events

    inner join {{ ref('base_uploads__duplicate_rows') }} as duplicate_rows
        on events.source_file = duplicate_rows.source_file
        and events.source_row_number = duplicate_rows.source_row_number

),

clickstream_lines as (

    select
        source_file,
        source_row_number,
        rejection_reason,
        raw_line

    from {{ ref('base_clickstream__events') }}

    where rejection_reason is not null

    union all

    {# A redelivery is a valid line, stored parsed: its fields are written
       back as the line. #}
    select
        delivered_lines.source_file,
        delivered_lines.source_row_number,
        'redelivered_event' as rejection_reason,
        {{ json_object_text('delivered_lines', [
            'event_id', 'event_type', 'event_at', 'customer_id', 'session_id',
            'product_id', 'offer_id', 'channel',
        ]) }} as raw_line

    from {{ ref('base_clickstream__events') }} as delivered_lines

    inner join {{ ref('base_clickstream__redeliveries') }} as redeliveries
        on delivered_lines.source_file = redeliveries.source_file
        and delivered_lines.source_row_number = redeliveries.source_row_number

),

upload_rows_rejected as (

    select
        'uploads' as source_name,
        source_file,
        source_row_number,
        rejection_reason,
        {%- for column in upload_raw_columns() %}
            {{ json_field_text('raw_record', column, as_read=true) }} as {{ column }},
        {%- endfor %}
        cast(null as varchar) as raw_line

    from upload_rows

    union all

    select
        'uploads' as source_name,
        source_file,
        source_row_number,
        'duplicate_row' as rejection_reason,
        event_type as raw_event_name,
        product_code as raw_product_code,
        product_name as raw_product_name,
        product_description as raw_product_description,
        {{ dbt.cast('unit_price', dbt.type_string()) }} as raw_unit_price,
        {{ dbt.cast('quantity', dbt.type_string()) }} as raw_quantity,
        customer_id as raw_customer_id,
        username as raw_username,
        channel_type as raw_channel_type,
        address as raw_address,
        city as raw_city,
        state as raw_state,
        country as raw_country,
        {{ dbt.cast('event_at', dbt.type_string()) }} as raw_event_time,
        cast(null as varchar) as raw_line

    from upload_duplicates

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
