{#
    What the Connect Customer Profiles exporter sends: one profile per
    customer, keyed by the customer id (sent as AccountNumber, the `_account`
    search key, so reruns find and update the same profile). Email or phone
    only when usable (as customer_contacts checked them, as for
    pinpoint_endpoints); RFM fields go to the profile's custom Attributes.
    Recency goes out as last_order_date, which changes only when the customer
    orders again.

    A view: read once per export, it would otherwise be rewritten for every
    customer on every run.
#}
{{ config(materialized='view') }}

with

customers as (

    select * from {{ ref('customer_segments') }}

),

contacts as (

    select * from {{ ref('customer_contacts') }}

),

final as (

    select
        cast(customers.customer_id as varchar) as customer_id,
        cast(contacts.email_address as varchar) as email_address,
        cast(contacts.phone_number as varchar) as phone_number,
        cast(contacts.city as varchar) as city,
        cast(contacts.state as varchar) as state,
        cast(contacts.country as varchar) as country,
        cast(customers.rfm_segment as varchar) as rfm_segment,
        cast(customers.rfm_score as varchar) as rfm_score,
        cast(customers.r_score as integer) as r_score,
        cast(customers.f_score as integer) as f_score,
        cast(customers.m_score as integer) as m_score,
        cast(customers.cluster_id as integer) as cluster_id,
        cast(customers.frequency as integer) as frequency,
        cast(customers.monetary as decimal(18, 2)) as monetary,
        cast(customers.first_order_at as date) as first_order_date,
        cast(customers.last_order_at as date) as last_order_date

    from customers

    left join contacts
        on customers.customer_id = contacts.customer_id

)

select * from final
