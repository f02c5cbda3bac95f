{#
    Every name in an offer's eligible_segments is a segment: one of
    rfm_segment_rules, Others or Prospects; or the whole list is 'all'. A list
    names as many segments as it has parts, so a misspelt, padded or repeated
    name shows as a shortfall.
#}
with

offers as (

    select * from {{ ref('offers') }}

),

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

segments as (

    select segment_name as rfm_segment from rules

    union all

    select 'Others' as rfm_segment

    union all

    select 'Prospects' as rfm_segment

),

listed_offers as (

    select
        offer_id,
        eligible_segments,
        1 + {{ dbt.length('eligible_segments') }}
        - {{ dbt.length(dbt.replace('eligible_segments', "'|'", "''")) }}
            as listed_count

    from offers

    where lower(trim(eligible_segments)) <> 'all'

),

segments_matched_to_offers as (

    select
        listed_offers.offer_id,
        listed_offers.eligible_segments,
        listed_offers.listed_count,
        count(segments.rfm_segment) as matched_count

    from listed_offers

    left join segments
        on {{ dbt.position(
            "'|' || segments.rfm_segment || '|'",
            "'|' || listed_offers.eligible_segments || '|'"
        ) }} > 0

    group by 1, 2, 3

)

select * from segments_matched_to_offers
where matched_count <> listed_count
