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
        scan_position
        - min(scan_position) over (partition by filename)
        + 1 as source_row_number,

        EventName as raw_event_name,
        ProductCode as raw_product_code,
        ProductName as raw_product_name,
        ProductDescription as raw_product_description,
        UnitPrice as raw_unit_price,
        Quantity as raw_quantity,
        CustomerID as raw_customer_id,
        Username as raw_username,
        ChannelType as raw_channel_type,
        Address as raw_address,
        City as raw_city,
        State as raw_state,
        Country as raw_country,
        Date as raw_event_time,

        nullif(trim(EventName), '') as event_name_text,
        nullif(trim(ProductCode), '') as product_code,
        nullif(trim(ProductName), '') as product_name,
        nullif(trim(ProductDescription), '') as product_description,
        nullif(replace(trim(UnitPrice), ',', ''), '') as unit_price_text,
        nullif(trim(Quantity), '') as quantity_text,
        nullif(trim(CustomerID), '') as customer_id,
        nullif(trim(Username), '') as username,
        upper(nullif(trim(ChannelType), '')) as channel_type,
        nullif(trim(Address), '') as address,
        nullif(trim(City), '') as city,
        nullif(trim(State), '') as state,
        upper(nullif(trim(Country), '')) as country,
        nullif(trim(Date), '') as event_time_text

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
