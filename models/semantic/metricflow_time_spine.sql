{#
    One row per day from 2000 to 2049: the calendar MetricFlow joins metrics
    to. Built with dbt's cross-database date_spine.
#}
{{ config(materialized='table') }}

with

days as (

    {{ dbt.date_spine(
        'day',
        "cast('2000-01-01' as date)",
        "cast('2050-01-01' as date)",
    ) }}

),

final as (

    select cast(date_day as date) as date_day

    from days

)

select * from final
