{#
    The offers running on the as-of date (start and end dates inclusive, an
    empty end date open-ended), one row per segment each is for: the segments
    named in eligible_segments, or every segment for 'all'. Matching whole
    names between separators keeps 'Lost' from matching 'Lost Causes'.
#}
with

offers as (

    select * from {{ ref('offers') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

as_of as (

    select {{ as_of_date() }} as as_of_date

),

segments as (

    select segment_name as rfm_segment from rules

    union all

    select 'Others' as rfm_segment

    union all

    select 'Prospects' as rfm_segment

),

active_offers as (

    select
        offers.offer_id,
        offers.offer_name,
        offers.product_id,
        offers.discount_percent,
        offers.eligible_segments,
        offers.starts_on,
        offers.ends_on,
        as_of.as_of_date

    from offers

    cross join as_of

    where offers.starts_on <= as_of.as_of_date
        and (offers.ends_on is null or offers.ends_on >= as_of.as_of_date)

),

offers_matched_to_segments as (

    select
        active_offers.*,
        segments.rfm_segment

    from active_offers

    inner join segments
        on lower(trim(active_offers.eligible_segments)) = 'all'
        or {{ dbt.position(
            "'|' || segments.rfm_segment || '|'",
            "'|' || active_offers.eligible_segments || '|'"
        ) }} > 0

),

final as (

    select
        offer_id,
        rfm_segment,
        offer_name,
        product_id,
        discount_percent,
        starts_on,
        ends_on,
        as_of_date

    from offers_matched_to_segments

)

select * from final
