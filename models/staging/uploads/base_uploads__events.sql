{#
    Every input row exactly once: raw values kept for the quarantine, parsed and
    typed values for staging, and the first reason (if any) the row is rejected.
    Materialised once so that accepted and rejected rows come from one scan.
#}
with

source as (

    select * from {{ source('uploads', 'events') }}

),

numbered as (

    select
        *,
        {{ file_row_number('filename') }} as scan_position

    from source

),

trimmed as (

    select
        filename as source_file,
        eventname as raw_event_name,

        productcode as raw_product_code,
        productname as raw_product_name,
        productdescription as raw_product_description,
        unitprice as raw_unit_price,
        quantity as raw_quantity,
        customerid as raw_customer_id,
        username as raw_username,
        channeltype as raw_channel_type,
        address as raw_address,
        city as raw_city,
        state as raw_state,
        country as raw_country,
        date as raw_event_time,
        scan_position
        - min(scan_position) over (partition by filename)
        + 1 as source_row_number,

        nullif(trim(eventname), '') as event_name_text,
        nullif(trim(productcode), '') as product_code,
        nullif(trim(productname), '') as product_name,
        nullif(trim(productdescription), '') as product_description,
        nullif(replace(trim(unitprice), ',', ''), '') as unit_price_text,
        nullif(trim(quantity), '') as quantity_text,
        nullif(trim(customerid), '') as customer_id,
        nullif(trim(username), '') as username,
        upper(nullif(trim(channeltype), '')) as channel_type,
        nullif(trim(address), '') as address,
        nullif(trim(city), '') as city,
        nullif(trim(state), '') as state,
        upper(nullif(trim(country), '')) as country,
        nullif(trim(date), '') as event_time_text

    from numbered

),

parsed as (

    select
        *,
        lower(event_name_text) as event_type,
        {{ dbt.safe_cast('unit_price_text', 'decimal(18, 2)') }} as unit_price,
        {{ dbt.safe_cast('quantity_text', 'decimal(18, 4)') }} as quantity_number,
        {{ parse_upload_timestamp('event_time_text') }} as event_at

    from trimmed

),

flagged as (

    select
        *,
        case
            when customer_id is null then 'missing_customer_id'
            when event_at is null then 'unparseable_date'
            when event_type is null
                or event_type not in ('viewed', 'processed', 'purchased')
                then 'unknown_event_name'
            when unit_price is null then 'invalid_unit_price'
            when unit_price < 0 then 'negative_unit_price'
            when quantity_number is null
                or quantity_number <> floor(quantity_number)
                then 'invalid_quantity'
            when quantity_number < 0 then 'negative_quantity'
        end as invalid_reason

    from parsed

),

{# A duplicate is an otherwise valid row equal, after trimming, casing and
   parsing, to a valid row earlier in file order; the first one is kept. #}
duplicates_ranked as (

    select
        *,
        case
            when invalid_reason is null
                then row_number() over (
                        partition by
                            invalid_reason,
                            customer_id,
                            event_type,
                            event_at,
                            lower(product_code),
                            lower(product_name),
                            lower(product_description),
                            unit_price,
                            quantity_number,
                            lower(username),
                            channel_type,
                            lower(address),
                            lower(city),
                            lower(state),
                            country
                        order by source_file, source_row_number
                    )
        end as occurrence

    from flagged

),

final as (

    select
        source_file,
        source_row_number,
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
        customer_id,
        event_type,
        event_at,
        product_code,
        product_name,
        product_description,
        unit_price,
        cast(
            case when invalid_reason is null then quantity_number end as integer
        ) as quantity,
        username,
        channel_type,
        address,
        city,
        state,
        country,
        coalesce(
            invalid_reason,
            case when occurrence > 1 then 'duplicate_row' end
        ) as rejection_reason

    from duplicates_ranked

)

select * from final
