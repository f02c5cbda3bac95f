{#
    How did the segments change between the last two as-of dates? Net movement
    per segment, from the segment_transitions history.
#}
with

transitions as (

    select * from {{ ref('segment_transitions') }}

),

latest_pair as (

    select max(to_as_of_date) as to_as_of_date

    from transitions

),

arrivals as (

    select
        transitions.to_segment as rfm_segment,
        sum(transitions.customers) as customers_in

    from transitions

    inner join latest_pair
        on transitions.to_as_of_date = latest_pair.to_as_of_date

    where transitions.has_moved

    group by 1

),

departures as (

    select
        transitions.from_segment as rfm_segment,
        sum(transitions.customers) as customers_out

    from transitions

    inner join latest_pair
        on transitions.to_as_of_date = latest_pair.to_as_of_date

    where transitions.has_moved

    group by 1

),

net_movement as (

    select
        coalesce(arrivals.rfm_segment, departures.rfm_segment) as rfm_segment,
        coalesce(arrivals.customers_in, 0) as customers_in,
        coalesce(departures.customers_out, 0) as customers_out,
        coalesce(arrivals.customers_in, 0)
        - coalesce(departures.customers_out, 0) as net_change

    from arrivals

    full outer join departures
        on arrivals.rfm_segment = departures.rfm_segment

)

select * from net_movement
order by net_change desc
