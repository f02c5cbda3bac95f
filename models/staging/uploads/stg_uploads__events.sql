{# After base_uploads__duplicates_checked, so that any selection of a model
   downstream records what the duplicate search checked. #}
-- depends_on: {{ ref('base_uploads__duplicates_checked') }}

with

checked_events as (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is null

),

duplicate_rows as (

    select * from {{ ref('base_uploads__duplicate_rows') }}

),

{# A hash anti-join against the few duplicates. #}
distinct_events as (

    select checked_events.*

    from checked_events

    left join duplicate_rows
        on checked_events.source_file = duplicate_rows.source_file
        and checked_events.source_row_number = duplicate_rows.source_row_number

    where duplicate_rows.source_file is null

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
        country,
        loaded_at

    from distinct_events

)

select * from renamed
