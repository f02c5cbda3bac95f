with

clusters as (

    select * from {{ ref('int_clusters_fitted') }}

),

{# The stored assignments: customer_segments keeps every buyer's cluster
   beside the features, so the nearest centroids are not computed again. #}
customers as (

    select * from {{ ref('customer_segments') }}

),

members_summed_to_clusters as (

    select
        cluster_id,
        count(*) as customers,
        avg(recency_days) as average_recency_days,
        avg(frequency) as average_frequency,
        avg(monetary) as average_monetary,
        sum(monetary) as revenue

    from customers

    where cluster_id is not null

    group by 1

),

totals as (

    select sum(customers) as all_customers

    from members_summed_to_clusters

),

final as (

    select
        cast(clusters.cluster_id as integer) as cluster_id,
        cast(clusters.cluster_count as integer) as cluster_count,
        cast(coalesce(members.customers, 0) as bigint) as customers,
        cast(
            coalesce(members.customers, 0) * 1.0 / nullif(totals.all_customers, 0)
            as double
        ) as customer_share,
        cast(coalesce(members.revenue, 0) as decimal(18, 2)) as revenue,
        cast(clusters.centroid_recency_days as double) as centroid_recency_days,
        cast(clusters.centroid_frequency as double) as centroid_frequency,
        cast(clusters.centroid_monetary as double) as centroid_monetary,
        cast(members.average_recency_days as double) as average_recency_days,
        cast(members.average_frequency as double) as average_frequency,
        cast(members.average_monetary as double) as average_monetary,
        cast(clusters.silhouette as double) as silhouette,
        cast(clusters.inertia as double) as inertia,
        cast(clusters.sample_customers as bigint) as sample_customers,
        cast(clusters.sample_cluster_customers as bigint)
            as sample_cluster_customers,
        cast(clusters.fitted_k_candidates as varchar) as fitted_k_candidates

    from clusters

    cross join totals

    left join members_summed_to_clusters as members
        on clusters.cluster_id = members.cluster_id

)

select * from final
