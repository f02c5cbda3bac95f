{#
    Contact details live only here, so that marts read for analysis or sent to
    Personalize never carry them. One row per customer with an address before
    the as-of date (int_customer_contacts_picked keeps them incrementally).
#}
with

contacts as (

    select * from {{ ref('int_customer_contacts_picked') }}

),

customers as (

    select * from {{ ref('int_customers_summarized') }}

),

final as (

    select
        cast(contacts.customer_id as varchar) as customer_id,
        cast(contacts.username as varchar) as username,
        cast(contacts.channel_type as varchar) as channel_type,
        cast(contacts.address as varchar) as address,
        cast(contacts.city as varchar) as city,
        cast(contacts.state as varchar) as state,
        cast(contacts.country as varchar) as country,
        cast(contacts.contact_seen_at as timestamp) as contact_seen_at

    from contacts

    inner join customers
        on contacts.customer_id = customers.customer_id

)

select * from final
