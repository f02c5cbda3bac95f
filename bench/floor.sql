-- The floor: one DuckDB query from the raw upload CSV files to scored
-- customers (orders, R/F/M, 1-5 scores), with none of the project's staging,
-- quarantine, clusters, marts or tests. {glob} is replaced by the benchmark.
with

events as (

    select
        trim(customerid) as customer_id,
        lower(trim(eventname)) as event_type,
        try_strptime(trim(date), '%a, %d %b %Y %H:%M:%S %z') at time zone 'UTC'
            as event_at,
        try_cast(replace(unitprice, ',', '') as decimal(18, 2))
        * try_cast(quantity as integer) as revenue

    from read_csv('{glob}', all_varchar = true, header = true)

),

orders as (

    select
        customer_id,
        event_at,
        sum(revenue) as revenue

    from events

    where event_type = 'purchased'

    group by 1, 2

),

customers as (

    select
        customer_id,
        count(*) as frequency,
        sum(revenue) as monetary,
        max(event_at) as last_order_at

    from orders

    group by 1

),

as_of as (

    select cast(max(event_at) as date) + 1 as as_of_date

    from events

),

scored as (

    select
        customers.customer_id,
        ntile(5) over (
            order by date_diff('day', cast(customers.last_order_at as date), as_of.as_of_date) desc
        ) as r_score,
        ntile(5) over (order by customers.frequency) as f_score,
        ntile(5) over (order by customers.monetary) as m_score

    from customers

    cross join as_of

)

select
    count(*) as customers,
    avg(r_score) as average_r,
    avg(f_score) as average_f,
    avg(m_score) as average_m

from scored
