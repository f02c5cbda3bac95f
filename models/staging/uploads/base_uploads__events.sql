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

{# Only what the checks need is computed here; final recomputes the cheap
   trimmed values from the raw ones, so this CTE (read three times) stays
   narrow. #}
flagged as (

    select
        filename as source_file,
        scan_position,
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
        nullif(trim(customerid), '') as customer_id,
        lower(nullif(trim(eventname), '')) as event_type,
        {{ parse_upload_timestamp("nullif(trim(date), '')") }} as event_at,
        {{ dbt.safe_cast(
            "nullif(replace(trim(unitprice), ',', ''), '')", 'decimal(18, 2)'
        ) }} as unit_price,
        {{ dbt.safe_cast("nullif(trim(quantity), '')", 'decimal(18, 4)') }}
            as quantity_number

    from numbered

),

checked_values as (

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
            "lower(trim(raw_product_code))",
            "lower(trim(raw_product_name))",
            "lower(trim(raw_product_description))",
            'unit_price',
            'quantity_number',
            "lower(trim(raw_username))",
            "upper(trim(raw_channel_type))",
            "lower(trim(raw_address))",
            "lower(trim(raw_city))",
            "lower(trim(raw_state))",
            "upper(trim(raw_country))",
        ]) }} as row_fingerprint

    from flagged

),

{# Row numbers within each file, from the position of the file's first row:
   an aggregate and a join, which DuckDB runs in parallel, where a window
   partitioned by file runs one file on one thread. #}
file_starts as (

    select
        source_file,
        min(scan_position) as first_position

    from checked_values

    group by 1

),

{# A duplicate is an otherwise valid row equal, after trimming, casing and
   parsing, to a valid row earlier in file order; the first one is kept. #}
first_occurrences as (

    select
        customer_id,
        event_at,
        row_fingerprint,
        min(scan_position) as first_position

    from checked_values

    where invalid_reason is null

    group by 1, 2, 3

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
        checked_values.*,
        checked_values.scan_position
        - file_starts.first_position
        + 1 as source_row_number,
        coalesce(
            checked_values.invalid_reason,
            case
                when checked_values.scan_position <> first_occurrences.first_position
                    then 'duplicate_row'
                {%- if is_incremental() %}
                when accepted_earlier.row_fingerprint is not null
                    then 'duplicate_row'
                {%- endif %}
            end
        ) as rejection_reason

    from checked_values

    inner join file_starts
        on checked_values.source_file = file_starts.source_file

    left join first_occurrences
        on checked_values.customer_id = first_occurrences.customer_id
        and checked_values.event_at = first_occurrences.event_at
        and checked_values.row_fingerprint = first_occurrences.row_fingerprint

    {%- if is_incremental() %}

    left join accepted_earlier
        on checked_values.customer_id = accepted_earlier.customer_id
        and checked_values.event_at = accepted_earlier.event_at
        and checked_values.row_fingerprint = accepted_earlier.row_fingerprint
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
        nullif(trim(checked.raw_product_code), '') as product_code,
        nullif(trim(checked.raw_product_name), '') as product_name,
        nullif(trim(checked.raw_product_description), '') as product_description,
        checked.unit_price,
        cast(
            case
                when checked.invalid_reason is null then checked.quantity_number
            end as integer
        ) as quantity,
        nullif(trim(checked.raw_username), '') as username,
        upper(nullif(trim(checked.raw_channel_type), '')) as channel_type,
        nullif(trim(checked.raw_address), '') as address,
        nullif(trim(checked.raw_city), '') as city,
        nullif(trim(checked.raw_state), '') as state,
        upper(nullif(trim(checked.raw_country), '')) as country

    from checked

    left join files
        on checked.source_file = files.source_file

)

select * from final
