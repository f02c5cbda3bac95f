{#
    How customers moved between segments from one as-of date to the next, from
    the customer_segments_snapshot history. A customer absent at the earlier
    date comes from '(new)'; one absent at the later date goes to '(gone)'.
#}
with

history as (

    select * from {{ ref('customer_segments_snapshot') }}

),

as_of_dates as (

    select distinct cast(dbt_valid_from as date) as as_of_date

    from history

),

consecutive_dates as (

    select
        as_of_date as to_as_of_date,
        lag(as_of_date) over (order by as_of_date) as from_as_of_date

    from as_of_dates

),

date_pairs as (

    select * from consecutive_dates
    where from_as_of_date is not null

),

memberships as (

    select
        as_of_dates.as_of_date,
        history.customer_id,
        history.rfm_segment

    from as_of_dates

    inner join history
        on cast(history.dbt_valid_from as date) <= as_of_dates.as_of_date
        and (
            history.dbt_valid_to is null
            or cast(history.dbt_valid_to as date) > as_of_dates.as_of_date
        )

),

members_before as (

    select
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        memberships.customer_id,
        memberships.rfm_segment

    from date_pairs

    inner join memberships
        on date_pairs.from_as_of_date = memberships.as_of_date

),

members_after as (

    select
        date_pairs.from_as_of_date,
        date_pairs.to_as_of_date,
        memberships.customer_id,
        memberships.rfm_segment

    from date_pairs

    inner join memberships
        on date_pairs.to_as_of_date = memberships.as_of_date

),

moves as (

    select
        coalesce(
            members_before.from_as_of_date, members_after.from_as_of_date
        ) as from_as_of_date,
        coalesce(
            members_before.to_as_of_date, members_after.to_as_of_date
        ) as to_as_of_date,
        coalesce(members_before.rfm_segment, '(new)') as from_segment,
        coalesce(members_after.rfm_segment, '(gone)') as to_segment

    from members_before

    full outer join members_after
        on members_before.from_as_of_date = members_after.from_as_of_date
        and members_before.customer_id = members_after.customer_id

),

moves_counted as (

    select
        from_as_of_date,
        to_as_of_date,
        from_segment,
        to_segment,
        count(*) as customers

    from moves

    group by 1, 2, 3, 4

),

final as (

    select
        cast(from_as_of_date as date) as from_as_of_date,
        cast(to_as_of_date as date) as to_as_of_date,
        cast(from_segment as varchar) as from_segment,
        cast(to_segment as varchar) as to_segment,
        cast(customers as bigint) as customers,
        cast(from_segment <> to_segment as boolean) as has_moved

    from moves_counted

)

select * from final
