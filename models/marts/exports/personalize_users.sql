{#
    The Personalize Users dataset: pseudonymous ids and categorical RFM
    metadata only. The id is the upload's CustomerID, an opaque key (never an
    email, phone or name; a test checks); no contact detail reaches this model.
    Customers without orders have no scores: their fields are 'none', a
    category Personalize can learn from, rather than empty.

    A view over customer_segments: a copy would rewrite every customer's row
    on every run.
#}
{{ config(materialized='view') }}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

final as (

    select
        cast(customer_id as varchar) as user_id,
        cast(rfm_segment as varchar) as rfm_segment,
        cast(coalesce(rfm_score, 'none') as varchar) as rfm_score,
        cast(coalesce(cast(cluster_id as varchar), 'none') as varchar) as cluster_id,
        cast(coalesce(cast(r_score as varchar), 'none') as varchar) as r_score,
        cast(coalesce(cast(f_score as varchar), 'none') as varchar) as f_score,
        cast(coalesce(cast(m_score as varchar), 'none') as varchar) as m_score

    from customers

)

select * from final
