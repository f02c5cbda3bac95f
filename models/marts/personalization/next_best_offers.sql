{#
    One offer per customer: of the offers running on the as-of date and open
    to the customer's segment, the one whose product the customer has the
    highest affinity to; without any affinity, the one whose product is most
    popular in the segment, then overall (cold start). Remaining ties go to
    the lowest offer_id, so the choice is the same run after run.
#}
with

customers as (

    select * from {{ ref('customer_segments') }}

),

offers as (

    select * from {{ ref('int_offers_segmented') }}

),

{# The last tie-break, the lowest offer_id, as a number that is highest for
   the lowest id: every key of the pick below is then taken highest first. #}
offers_ordered as (

    select
        *,
        dense_rank() over (order by offer_id desc) as offer_id_order

    from offers

),

{# Only the products some offer promotes: a few of every customer's
   products, so the join below builds on thousands of rows, not millions. #}
affinities as (

    select * from {{ ref('int_customer_products_scored') }}
    where product_id in (select offers.product_id from offers)

),

popularity as (

    select * from {{ ref('int_segment_products_scored') }}

),

candidate_offers as (

    select
        customers.customer_id,
        offers_ordered.offer_id,
        offers_ordered.offer_name,
        offers_ordered.product_id,
        offers_ordered.discount_percent,
        offers_ordered.offer_id_order,
        coalesce(affinities.affinity_score, 0) as affinity_score,
        coalesce(segment_popularity.popularity_score, 0)
            as segment_popularity_score,
        coalesce(overall_popularity.popularity_score, 0)
            as overall_popularity_score

    from customers

    inner join offers_ordered
        on customers.rfm_segment = offers_ordered.rfm_segment

    left join affinities
        on customers.customer_id = affinities.customer_id
        and offers_ordered.product_id = affinities.product_id

    left join popularity as segment_popularity
        on customers.rfm_segment = segment_popularity.rfm_segment
        and offers_ordered.product_id = segment_popularity.product_id

    left join popularity as overall_popularity
        on overall_popularity.rfm_segment = 'all'
        and offers_ordered.product_id = overall_popularity.product_id

),

{# Each customer's best candidate, picked in one aggregate rather than by
   sorting every customer's candidates (millions of rows at scale). #}
best_candidate_offers as (

    {{ latest_row_per_group(
        'candidate_offers',
        'customer_id',
        ['affinity_score', 'segment_popularity_score', 'overall_popularity_score',
         'offer_id_order'],
        ['offer_id', 'offer_name', 'product_id', 'discount_percent',
         'affinity_score', 'segment_popularity_score', 'overall_popularity_score'],
    ) | indent(4) }}

),

best_offers as (

    select
        customer_id,
        offer_id,
        offer_name,
        product_id,
        discount_percent,
        case
            when affinity_score > 0 then affinity_score
            when segment_popularity_score > 0 then segment_popularity_score
            else overall_popularity_score
        end as offer_score,
        case
            when affinity_score > 0 then 'affinity'
            else 'cold_start'
        end as reason

    from best_candidate_offers

),

final as (

    select
        cast(customers.customer_id as varchar) as customer_id,
        cast(customers.as_of_date as date) as as_of_date,
        cast(customers.rfm_segment as varchar) as rfm_segment,
        cast(best_offers.offer_id as varchar) as offer_id,
        cast(best_offers.offer_name as varchar) as offer_name,
        cast(best_offers.product_id as varchar) as product_id,
        cast(best_offers.discount_percent as decimal(5, 2)) as discount_percent,
        cast(best_offers.offer_score as double) as offer_score,
        cast(coalesce(best_offers.reason, 'no_eligible_offer') as varchar)
            as reason

    from customers

    left join best_offers
        on customers.customer_id = best_offers.customer_id

)

select * from final
