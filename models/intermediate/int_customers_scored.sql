{#
    Every customer's 1..rfm_score_bins scores (buyers only), rfm_score and
    named segment. A view: customer_segments reads it once, beside the
    clusters, and stores the one table of customers a run writes after the
    features; other models read the segments there.
#}
{{ config(materialized='view') }}
{%- set bins = rfm_score_bins() -%}

with

customers as (

    select * from {{ ref('int_customers_summarized') }}

),

cells as (

    select * from {{ ref('int_score_cells_segmented') }}

),

{# Scores rank buyers only: customers without an order have no RFM values. #}
buyers_scored as (

    select
        customer_id,
        {{ rfm_score('recency_days', bins, higher_is_better=false) }} as r_score,
        {{ rfm_score('frequency', bins) }} as f_score,
        {{ rfm_score('monetary', bins) }} as m_score

    from customers

    where frequency > 0

),

final as (

    select
        customers.customer_id,
        customers.as_of_date,
        customers.recency_days,
        customers.frequency,
        customers.monetary,
        buyers_scored.r_score,
        buyers_scored.f_score,
        buyers_scored.m_score,
        case
            when buyers_scored.customer_id is not null
                then {{ dbt.concat([
                    dbt.cast('buyers_scored.r_score', dbt.type_string()),
                    dbt.cast('buyers_scored.f_score', dbt.type_string()),
                    dbt.cast('buyers_scored.m_score', dbt.type_string()),
                ]) }}
        end as rfm_score,
        case
            when customers.frequency = 0 then 'Prospects'
            else coalesce(cells.rfm_segment, 'Others')
        end as rfm_segment,
        customers.average_order_value,
        customers.first_order_at,
        customers.last_order_at,
        customers.first_event_at,
        customers.last_event_at,
        customers.days_since_last_event,
        customers.tenure_days,
        customers.event_count

    from customers

    left join buyers_scored
        on customers.customer_id = buyers_scored.customer_id

    left join cells
        on buyers_scored.r_score = cells.r_score
        and buyers_scored.f_score = cells.f_score
        and buyers_scored.m_score = cells.m_score

)

select * from final
