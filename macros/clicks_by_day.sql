{#
    The body of the clicks_by_user / _product / _offer marts: per key and UTC
    day, distinct events of each type, CTR and conversion, from
    stg_clickstream__events; events with a null key are left out.

    Incremental by day: a run recomputes from staging the days of the latest
    load and the lookback window (see clickstream_days_to_refresh) and, with
    the day as unique_key, replaces those days whole.
#}
{% macro clicks_by_day(key_column) -%}

with

{# Used more than once: each use scans the table again (only the columns
   and rows it needs) instead of a copy of every column (cte_materialization). #}
events as {{ cte_materialization(false) }} (

    select * from {{ ref('stg_clickstream__events') }}

),

{% if is_incremental() -%}
days_to_refresh as (

    {{ clickstream_days_to_refresh('events') }}

),

{% endif -%}

events_to_count as (

    select * from events
    where {{ key_column }} is not null
    {%- if is_incremental() %}
        and event_date in (select days_to_refresh.event_date from days_to_refresh)
    {%- endif %}

),

events_counted_to_days as (

    select
        {{ key_column }},
        event_date,
        {# Staged events are one row per event_id (staging leaves out
           redeliveries; CI checks it), so counting ids counts distinct
           events. #}
        count(case when event_type = 'impression' then event_id end)
            as impressions,
        count(case when event_type = 'click' then event_id end) as clicks,
        count(case when event_type = 'add_to_cart' then event_id end)
            as add_to_carts,
        count(case when event_type = 'purchase' then event_id end)
            as purchases

    from events_to_count

    group by 1, 2

),

final as (

    select
        cast({{ key_column }} as {{ dbt.type_string() }}) as {{ key_column }},
        cast(event_date as date) as event_date,
        cast(impressions as bigint) as impressions,
        cast(clicks as bigint) as clicks,
        cast(add_to_carts as bigint) as add_to_carts,
        cast(purchases as bigint) as purchases,
        cast(clicks * 1.0 / nullif(impressions, 0) as double) as ctr,
        cast(purchases * 1.0 / nullif(clicks, 0) as double) as conversion_rate

    from events_counted_to_days

)

select * from final

{%- endmacro %}
