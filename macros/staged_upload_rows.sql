{#
    base_uploads__events's rows from one batch of upload files (from
    upload_load_batches): read, numbered, parsed, checked, ready to write. With
    keep_rows the numbered rows are kept (a materialized CTE) and parsed on
    every core; without, each file streams through on one thread.
#}
{% macro staged_upload_rows(files, keep_rows) -%}
{#- The columns a row cannot be scored without: a file lacking one loads, and
    its rows are quarantined with a reason naming the column. -#}
{%- set required_columns = {
    'customer_id': 'raw_customer_id', 'event_name': 'raw_event_name',
    'date': 'raw_event_time', 'unit_price': 'raw_unit_price',
    'quantity': 'raw_quantity',
} -%}
{#- On DuckDB a column the file (or a short row) lacks reads as null and a
    blank field as ''; a loader's table has no such difference, so elsewhere
    blanks get their own reasons. -#}
{%- set missing_column_checks = required_columns.items() | list
    if target.type == 'duckdb' else [] %}
with

source as {% if keep_rows %}{{ cte_materialization(true) }} {% endif %}(

    {# Only the listed files (none when no file matches the glob yet), each
       row numbered in its file. #}
    {{ upload_rows(files) | indent(4) }}

),

files as (

    {% if files -%}
    {%- for file in files %}
    select
        '{{ file.path | replace("'", "''") }}' as source_file,
        cast({{ file.size }} as bigint) as file_size,
        cast('{{ file.modified_at[:19] }}' as timestamp) as file_modified_at,
        '{{ file.encoding }}' as file_encoding
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- else -%}
        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as file_modified_at,
            cast(null as varchar) as file_encoding

        where 1 = 0
    {%- endif %}

),

{# Each value parsed or trimmed once; the raw text is kept beside it for the
   quarantine. #}
parsed as (

    select
        filename as source_file,
        source_row_number,
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
        {{ trimmed_text('customerid') }} as customer_id,
        lower({{ trimmed_text('eventname') }}) as event_type,
        {{ parse_upload_timestamp(trimmed_text('date')) }} as event_at,
        {{ dbt.safe_cast(
            "nullif(replace(" ~ trimmed_text('unitprice') ~ ", ',', ''), '')",
            'decimal(18, 2)'
        ) }} as unit_price,
        {{ dbt.safe_cast(trimmed_text('quantity'), 'decimal(18, 4)') }}
            as quantity_number,
        {{ trimmed_text('productcode') }} as product_code,
        {{ trimmed_text('productname') }} as product_name,
        {{ trimmed_text('productdescription') }} as product_description,
        {{ trimmed_text('username') }} as username,
        upper({{ trimmed_text('channeltype') }}) as channel_type,
        {{ trimmed_text('address') }} as address,
        {{ trimmed_text('city') }} as city,
        {{ trimmed_text('state') }} as state,
        upper({{ trimmed_text('country') }}) as country

    from source

),

checked_values as (

    select
        *,
        case
            {%- for name, raw_column in missing_column_checks %}
                when {{ raw_column }} is null then 'missing_column_{{ name }}'
            {%- endfor %}
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
        end as invalid_reason,
        {# The event's typed identity only: cheap to hash, and every row
           equal in all values has it. base_uploads__duplicate_rows compares
           the few rows that share one value by value. #}
        {{ row_fingerprint([
            'customer_id', 'event_at', 'event_type', 'unit_price', 'quantity_number',
        ]) }} as row_fingerprint

    from parsed

),

{# Duplicates are found after the load, in base_uploads__duplicate_rows:
   finding them here would keep every row of the batch in memory. #}
checked as (

    select
        checked_values.*,
        checked_values.invalid_reason as rejection_reason,
        files.file_size,
        files.file_modified_at,
        files.file_encoding

    from checked_values

    left join files
        on checked_values.source_file = files.source_file

),

final as (

    select
        checked.source_file,
        checked.source_row_number,
        checked.file_size,
        checked.file_modified_at,
        checked.file_encoding,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp
        ) as loaded_at,
        checked.row_fingerprint,
        checked.rejection_reason,
        {# Raw values are kept for rejected rows only, as one JSON object: the
           quarantine needs them, accepted rows have their parsed values, and
           one mostly-null column costs a fraction of fourteen to write. #}
        case
            when checked.rejection_reason is not null
                then {{ json_object_text('checked', upload_raw_columns()) }}
        end as raw_values,
        checked.customer_id,
        checked.event_type,
        checked.event_at,
        checked.product_code,
        checked.product_name,
        checked.product_description,
        checked.unit_price,
        cast(
            case
                when checked.invalid_reason is null then checked.quantity_number
            end as integer
        ) as quantity,
        checked.username,
        checked.channel_type,
        checked.address,
        checked.city,
        checked.state,
        checked.country

    from checked

)

select * from final
{%- endmacro %}
