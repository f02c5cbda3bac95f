{{
    config(
        materialized='incremental',
        incremental_strategy='delete+insert',
        unique_key='source_file',
        on_schema_change='fail',
    )
}}

{#
    Every non-empty clickstream line exactly once: the parsed and typed
    values, the first reason (if any) the line is invalid, and the line as
    read when it is. One pass from the files to the table. Both
    stg_clickstream__events and rejected_events read this table (with
    base_clickstream__redeliveries), so no line can be in neither or both.

    Incremental by file: capture files are written once and never changed, so
    a run reads only the files it has not loaded before (listed when the run
    starts; none means nothing to read), whatever the times of their events: a
    late event is loaded, never dropped. Delivery is at least once: repeated
    event_ids are found after the load, over every file, by
    base_clickstream__redeliveries.

    A clickstream_path that matches no file is not an error: DuckDB cannot read
    an empty glob, so the model reads an empty relation instead, and warns.
#}

{%- set has_files = glob_matches_files(var('clickstream_path')) -%}
{%- if not has_files -%}
    {%- do exceptions.warn(
        "No file matches clickstream_path '" ~ var('clickstream_path')
        ~ "': the clickstream models build empty."
    ) -%}
{%- endif -%}
{%- set new_files = none -%}
{%- if has_files and is_incremental() -%}
    {%- set new_files = unloaded_files(var('clickstream_path'), this) -%}
{%- endif -%}
{%- if has_files and new_files -%}
    {%- set lines = clickstream_lines(new_files) -%}
{%- elif has_files and new_files != [] -%}
    {%- set lines = source('clickstream', 'events') -%}
{%- else -%}
    {%- set lines = "(select cast(null as varchar) as filename,"
        ~ " cast(null as bigint) as line_number,"
        ~ " cast(null as varchar) as line_text where 1 = 0)" -%}
{%- endif %}
-- depends_on: {{ source('clickstream', 'events') }}

with

source as (

    select * from {{ lines }}

),

new_lines as (

    select
        filename as source_file,
        cast(line_number as bigint) as source_row_number,
        {# Lines are split on LF; a CRLF file leaves the CR on every line.
           The cheap tests come first: trim reads the whole line, and on wide
           lines trimming every line costs more than parsing it. #}
        case
            when line_text like '%' || chr(13) then rtrim(line_text, chr(13))
            else line_text
        end as raw_line

    from source

    where (left(line_text, 1) = '{' or trim(rtrim(line_text, chr(13))) <> '')
    {%- if is_incremental() %}
        and filename not in (select loaded.source_file from {{ this }} as loaded)
    {%- endif %}

),

parsed as (

    select
        source_file,
        source_row_number,
        raw_line,
        {# One parse per line, whatever the number of fields. #}
        {{ parse_json_object('raw_line', [
            'event_id', 'event_type', 'occurred_at', 'customer_id',
            'session_id', 'product_id', 'offer_id', 'channel',
        ]) }} as event_json

    from new_lines

),

extracted as (

    select
        source_file,
        source_row_number,
        raw_line,
        event_json is not null as is_json_object,
        {{ json_field_text('event_json', 'event_id') }} as event_id,
        lower({{ json_field_text('event_json', 'event_type') }}) as event_type,
        {{ json_field_text('event_json', 'occurred_at') }} as occurred_at_text,
        {{ json_field_text('event_json', 'customer_id') }} as customer_id,
        {{ json_field_text('event_json', 'session_id') }} as session_id,
        {{ json_field_text('event_json', 'product_id') }} as product_id,
        {{ json_field_text('event_json', 'offer_id') }} as offer_id,
        lower({{ json_field_text('event_json', 'channel') }}) as channel

    from parsed

),

typed as (

    select
        *,
        {{ parse_iso8601_timestamp('occurred_at_text') }} as event_at

    from extracted

),

checked as (

    select
        *,
        case
            when not is_json_object then 'invalid_json'
            when event_id is null then 'missing_event_id'
            when event_type is null then 'missing_event_type'
            when occurred_at_text is null then 'missing_occurred_at'
            when event_type not in ('impression', 'click', 'add_to_cart', 'purchase')
                then 'unknown_event_type'
            when event_at is null then 'unparseable_occurred_at'
        end as invalid_reason

    from typed

),

final as (

    select
        cast(source_file as varchar) as source_file,
        cast(source_row_number as bigint) as source_row_number,
        {# The quarantine needs the text; a valid line has its fields. #}
        cast(
            case when invalid_reason is not null then raw_line end as varchar
        ) as raw_line,
        cast(event_id as varchar) as event_id,
        {{ row_fingerprint(['event_id']) }} as event_id_hash,
        cast(event_type as varchar) as event_type,
        cast(event_at as timestamp) as event_at,
        cast(customer_id as varchar) as customer_id,
        cast(session_id as varchar) as session_id,
        cast(product_id as varchar) as product_id,
        cast(offer_id as varchar) as offer_id,
        cast(channel as varchar) as channel,
        cast(invalid_reason as varchar) as rejection_reason,
        cast(
            '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp
        ) as loaded_at

    from checked

)

select * from final
