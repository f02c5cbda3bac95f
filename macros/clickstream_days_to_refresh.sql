{#
    The days an incremental clickstream aggregate recomputes, as a query over
    the staged events: every day with an event of the latest load, however
    late it arrived, and every day from clickstream_lookback_days before the
    latest day already in the model ({{ this }}) on. The lookback is the safety
    net for a load whose run did not build the model. Call it inside
    is_incremental().
#}
{% macro clickstream_days_to_refresh(events) -%}
    {%- set lookback_days = numeric_var('clickstream_lookback_days') -%}
    select distinct event_date

    from {{ events }}

    where loaded_at = (select max(loaded_at) from {{ events }})
        or event_date >= (
            select
                cast({{ dbt.dateadd('day', -lookback_days, 'max(event_date)') }}
                as date)
            from {{ this }}
        )
{%- endmacro %}
