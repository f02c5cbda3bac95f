{#
    Valid upload rows that repeat an earlier valid row: equal after trimming,
    casing and parsing in every value, customer and event time included. The
    first in file name and row order is kept, whichever run loaded it, so an
    incremental build ends where a full refresh does.

    Rebuilt each run from the loaded rows, which is cheap: one aggregate over
    the fingerprints finds the few repeated ones, and only those rows are
    compared value by value and ranked.
#}
{{ config(materialized='table') }}

with

valid_rows as (

    select * from {{ ref('base_uploads__events') }}
    where rejection_reason is null

),

repeated_fingerprints as (

    select row_fingerprint

    from valid_rows

    group by 1

    having count(*) > 1

),

candidates as (

    select valid_rows.*

    from valid_rows

    inner join repeated_fingerprints
        on valid_rows.row_fingerprint = repeated_fingerprints.row_fingerprint

),

ranked as (

    select
        source_file,
        source_row_number,
        row_number() over same_values as occurrence,
        first_value(source_file) over same_values as original_source_file,
        first_value(source_row_number) over same_values
            as original_source_row_number

    from candidates

    window same_values as (
        partition by
            customer_id,
            event_at,
            event_type,
            lower(product_code),
            lower(product_name),
            lower(product_description),
            unit_price,
            quantity,
            lower(username),
            channel_type,
            lower(address),
            lower(city),
            lower(state),
            country
        order by source_file, source_row_number
        rows between unbounded preceding and current row
    )

),

final as (

    select
        source_file,
        source_row_number,
        original_source_file,
        original_source_row_number

    from ranked

    where occurrence > 1

)

select * from final
