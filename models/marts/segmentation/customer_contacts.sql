{#
    Contact details live only here, so that marts read for analysis or sent to
    Personalize never carry them. One row per customer with an address before
    the as-of date, kept incrementally by int_customer_contacts_picked.

    A view: the picked contacts are stored once, and a copy would cost a
    rewrite of every customer's row on every run for a change in a few.
#}
{{ config(materialized='view') }}

with

contacts as (

    select * from {{ ref('int_customer_contacts_picked') }}

),

final as (

    select
        cast(customer_id as varchar) as customer_id,
        cast(username as varchar) as username,
        cast(channel_type as varchar) as channel_type,
        cast(address as varchar) as address,
        cast(email_address as varchar) as email_address,
        cast(phone_number as varchar) as phone_number,
        cast(city as varchar) as city,
        cast(state as varchar) as state,
        cast(country as varchar) as country,
        cast(contact_seen_at as timestamp) as contact_seen_at

    from contacts

)

select * from final
