{# Input rows = accepted rows + rejected rows: nothing is silently dropped. #}
with

input_rows as (

    select count(*) as row_count from {{ source('uploads', 'events') }}

),

accepted_rows as (

    select count(*) as row_count from {{ ref('stg_uploads__events') }}

),

rejected_rows as (

    select count(*) as row_count
    from {{ ref('rejected_events') }}
    where source_name = 'uploads'

)

select
    input_rows.row_count as input_row_count,
    accepted_rows.row_count as accepted_row_count,
    rejected_rows.row_count as rejected_row_count

from input_rows

cross join accepted_rows

cross join rejected_rows

where input_rows.row_count <> accepted_rows.row_count + rejected_rows.row_count
