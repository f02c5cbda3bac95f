{#
    A rule no score cell picks (shadowed by higher-priority rules, or outside
    the score range) is dead configuration. The rules are written for 5 bins,
    so with another rfm_score_bins this only warns.
#}
{{ config(severity=('error' if rfm_score_bins() == 5 else 'warn')) }}

with

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

cells as (

    select * from {{ ref('int_score_cells_segmented') }}

),

rules_never_chosen as (

    select
        rules.segment_name,
        rules.priority

    from rules

    left join cells
        on rules.segment_name = cells.rfm_segment

    where cells.rfm_segment is null

)

select * from rules_never_chosen
