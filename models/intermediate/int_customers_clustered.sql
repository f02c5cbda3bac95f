{#
    Every scored customer with the nearest K-Means centroid, for buyers, in
    the standardised log1p space the model was fitted in; customers without
    an order get no cluster. The fit runs on a bounded sample in Python
    (int_clusters_fitted); assignment is plain SQL on the customer's own row,
    so it scales with the warehouse rather than with Python memory. A view:
    customer_segments reads it once and stores it.
#}
{{ config(materialized='view') }}
with

customers as (

    select * from {{ ref('int_customers_scored') }}

),

clusters as (

    select * from {{ ref('int_clusters_fitted') }}

),

{# The lower cluster_id on a tie. #}
final as (

    {{ nearest_cluster('customers', 'clusters', 'frequency > 0') | indent(4) }}

)

select * from final
