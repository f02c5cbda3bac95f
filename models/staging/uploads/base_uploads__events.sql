{#
    Every input row exactly once: parsed and typed values for staging, the
    first reason (if any) the row is rejected, and its raw values when it is.
    Materialised once so accepted and rejected rows come from one scan.

    Incremental, file by file: a run reads only the files that are new or
    changed since they were loaded (upload_files_to_load), and a changed file
    replaces its earlier rows (delete+insert on source_file). A row equal to an
    accepted row of another file, from this run or an earlier one, is a
    duplicate: the same file uploaded twice, or under another name, adds
    nothing.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='source_file',
    on_schema_change='fail',
) }}

{%- set path = var('raw_events_path') -%}
{%- set has_files = glob_matches_files(path) -%}
{%- set files = upload_files_to_load(path) if has_files else [] -%}
{%- if execute and not has_files -%}
    {{ exceptions.warn("No upload file matches raw_events_path '" ~ path ~ "'") }}
{%- endif -%}
{%- set file_list -%}
    {%- for file in files or [] -%}
        '{{ file.path | replace("'", "''") }}'{{ ', ' if not loop.last }}
    {%- endfor -%}
{%- endset %}

with

{% if has_files -%}
source as (

    select * from {{ source('uploads', 'events') }}
    {%- if is_incremental() and files is not none %}
    {# Inlined names, so DuckDB opens no other file. #}
    where filename in ({{ file_list if files else 'null' }})
    {%- endif %}

),
{%- else -%}
    {# No file matches the glob yet: an empty batch of the source's shape. #}
    source as (

        {{ empty_upload_source() }}

    ),
{%- endif %}

files as (

    {% if files -%}
    {%- for file in files %}
    select
        '{{ file.path | replace("'", "''") }}' as source_file,
        cast({{ file.size }} as bigint) as file_size,
        cast('{{ file.modified_at[:19] }}' as timestamp) as file_modified_at
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
    {%- else -%}
        select
            cast(null as varchar) as source_file,
            cast(null as bigint) as file_size,
            cast(null as timestamp) as file_modified_at

        where 1 = 0
    {%- endif %}

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
        end as invalid_reason,
        {{ row_fingerprint([
            'event_type',
            'lower(product_code)',
            'lower(product_name)',
            'lower(product_description)',
            'unit_price',
            'quantity_number',
            'lower(username)',
            'channel_type',
            'lower(address)',
            'lower(city)',
            'lower(state)',
            'country',
        ]) }} as row_fingerprint

    from parsed

),

{# A duplicate is an otherwise valid row equal, after trimming, casing and
   parsing, to a valid row earlier in file order; the first one is kept. #}
ranked_in_batch as (

    select
        *,
        case
            when invalid_reason is null
                then row_number() over (
                        partition by customer_id, event_at, row_fingerprint
                        order by source_file, source_row_number
                    )
        end as occurrence

    from flagged

),

{# Accepted rows are unique on these keys, so the join below adds no row; an
   invalid row's own reason wins in the coalesce. Only equalities in the join:
   DuckDB turns any other condition into a nested-loop join. #}
{% if is_incremental() -%}
accepted_earlier as (

    select
        customer_id,
        event_at,
        row_fingerprint

    from {{ this }}

    where rejection_reason is null
        {%- if files %}
        and source_file not in ({{ file_list }})
        {%- endif %}

),
{%- endif %}

checked as (

    select
        ranked_in_batch.*,
        coalesce(
            ranked_in_batch.invalid_reason,
            case
                when ranked_in_batch.occurrence > 1 then 'duplicate_row'
                {%- if is_incremental() %}
                when accepted_earlier.row_fingerprint is not null
                    then 'duplicate_row'
                {%- endif %}
            end
        ) as rejection_reason

    from ranked_in_batch

    {%- if is_incremental() %}

    left join accepted_earlier
        on ranked_in_batch.customer_id = accepted_earlier.customer_id
        and ranked_in_batch.event_at = accepted_earlier.event_at
        and ranked_in_batch.row_fingerprint = accepted_earlier.row_fingerprint
    {%- endif %}

),

final as (

    select
        checked.source_file,
        checked.source_row_number,
        files.file_size,
        files.file_modified_at,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S") }}' as timestamp
        ) as loaded_at,
        checked.row_fingerprint,
        checked.rejection_reason,
        {# Raw values are kept for rejected rows only: the quarantine needs
           them, and accepted rows have their parsed values. #}
        {%- for column in [
            'event_name', 'product_code', 'product_name', 'product_description',
            'unit_price', 'quantity', 'customer_id', 'username', 'channel_type',
            'address', 'city', 'state', 'country', 'event_time',
        ] %}
            case
                when checked.rejection_reason is not null
                    then checked.raw_{{ column }}
            end as raw_{{ column }},
        {%- endfor %}
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

    left join files
        on checked.source_file = files.source_file

)

select * from final
