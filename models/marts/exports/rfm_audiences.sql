{#
    One audience per named segment (every rule in rfm_segment_rules plus the
    Others and Prospects fallbacks, whether or not anyone is in it today) and
    per K-Means cluster. The exporter turns each into a Pinpoint segment and a
    Connect segment definition named audience_name, so the set only changes
    when the rules or the number of clusters do. Names follow the AWS
    guidance's `_RFM_` prefix and Connect's name pattern [a-zA-Z0-9_-].
#}
with

rules as (

    select * from {{ ref('rfm_segment_rules') }}

),

clusters as (

    select * from {{ ref('rfm_clusters') }}

),

segment_names as (

    select
        segment_name as rfm_segment,
        priority,
        description

    from rules

    union

    select
        'Others' as rfm_segment,
        1000 as priority,
        'Buyers no segment rule matches' as description

    union

    select
        'Prospects' as rfm_segment,
        1001 as priority,
        'Customers without an order yet' as description

),

segment_audiences as (

    select
        '_RFM_' || replace(
            trim(
                regexp_replace(
                    replace(rfm_segment, '''', ''), '[^A-Za-z0-9]+', ' ', 'g'
                )
            ),
            ' ',
            '_'
        ) as audience_name,
        'segment' as audience_kind,
        'rfm_segment' as attribute_name,
        rfm_segment as attribute_value,
        priority as sort_order,
        rfm_segment || ': ' || coalesce(description, '') as description

    from segment_names

),

cluster_audiences as (

    select
        '_RFM_Cluster_' || cast(cluster_id as varchar) as audience_name,
        'cluster' as audience_kind,
        'cluster_id' as attribute_name,
        cast(cluster_id as varchar) as attribute_value,
        2000 + cluster_id as sort_order,
        'K-Means cluster ' || cast(cluster_id as varchar) || ' of '
        || cast(cluster_count as varchar) || ' (1 = lowest value)' as description

    from clusters

),

audiences as (

    select * from segment_audiences

    union all

    select * from cluster_audiences

),

final as (

    select
        cast(audience_name as varchar) as audience_name,
        cast(audience_kind as varchar) as audience_kind,
        cast(attribute_name as varchar) as attribute_name,
        cast(attribute_value as varchar) as attribute_value,
        cast(sort_order as integer) as sort_order,
        cast(description as varchar) as description

    from audiences

)

select * from final
