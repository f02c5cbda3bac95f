with

events as (

    select * from {{ ref('stg_uploads__events') }}

),

purchases_before_as_of as (

    select
        customer_id,
        event_at,
        quantity,
        unit_price * quantity as line_revenue

    from events

    where event_type = 'purchased'
        and event_at < {{ as_of_date() }}

),

{# An order is every PURCHASED row of one customer at one timestamp. #}
orders as (

    select
        customer_id,
        event_at as ordered_at,
        count(*) as order_lines,
        sum(quantity) as units,
        sum(line_revenue) as order_revenue

    from purchases_before_as_of

    group by 1, 2

),

final as (

    select
        customer_id,
        ordered_at,
        cast(order_lines as integer) as order_lines,
        cast(units as bigint) as units,
        cast(order_revenue as decimal(18, 2)) as order_revenue

    from orders

)

select * from final
