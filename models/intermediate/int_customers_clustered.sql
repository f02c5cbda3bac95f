{#
    Every buyer assigned to the nearest K-Means centroid, in the standardised
    log1p space the model was fitted in. The fit runs on a bounded sample in
    Python (int_clusters_fitted); assignment is plain SQL, so it scales with the
    warehouse rather than with Python memory. A view: customer_segments reads
    it once and stores the cluster_id.
#}
{{ config(materialized='view') }}
with

customers as (

    select * from {{ ref('int_customers_summarized') }}

),

clusters as (

    select * from {{ ref('int_clusters_fitted') }}

),

buyers as (

    select
        customer_id,
        ln(1 + cast(recency_days as double)) as recency_log,
        ln(1 + cast(frequency as double)) as frequency_log,
        ln(1 + cast(monetary as double)) as monetary_log

    from customers

    where frequency > 0

),

{# Each buyer's nearest centroid (the lower cluster_id on a tie). #}
nearest as (

    {{ nearest_cluster('buyers', 'clusters') | indent(4) }}

),

final as (

    select
        customer_id,
        cast(cluster_id as integer) as cluster_id,
        sqrt(squared_distance) as distance_to_centroid

    from nearest

)

select * from final
