{#
    What base_uploads__duplicate_rows has checked, for its next run: the
    newest load it compared and how many valid rows were loaded by then. Built
    right after it in the same run (it depends on it), from the same loads.
    A table, not a view: it keeps what was true when the check ran.
#}
{{ config(materialized='table') }}

-- depends_on: {{ ref('base_uploads__duplicate_rows') }}

with

loads as (

    select * from {{ ref('base_uploads__events') }}

),

final as (

    select
        max(loaded_at) as checked_through,
        sum(case when rejection_reason is null then 1 else 0 end) as valid_rows

    from loads

)

select * from final
