-- A code invariant re-checked over every customer: CI runs it (selectors.yml).
{{ config(tags=['ci_only']) }}
{#
    Checked against the seeds, not the models that chose: every customer in
    customer_segments has exactly one row; a chosen offer runs on the as-of
    date and is open to the customer's segment; 'no_eligible_offer' only when
    no offer is.
#}
with

next_best_offers as (

    select * from {{ ref('next_best_offers') }}

),

customers as (

    select * from {{ ref('customer_segments') }}

),

offers as (

    select * from {{ ref('offers') }}

),

offers_open_to_customers as (

    select
        customers.customer_id,
        offers.offer_id

    from customers

    inner join offers
        on customers.as_of_date >= offers.starts_on
        and (customers.as_of_date <= offers.ends_on or offers.ends_on is null)
        and (
            lower(trim(offers.eligible_segments)) = 'all'
            or {{ dbt.position(
                "'|' || customers.rfm_segment || '|'",
                "'|' || offers.eligible_segments || '|'"
            ) }} > 0
        )

),

rows_per_customer as (

    select
        customers.customer_id,
        count(next_best_offers.customer_id) as offer_rows

    from customers

    left join next_best_offers
        on customers.customer_id = next_best_offers.customer_id

    group by 1

),

problems as (

    select
        customer_id,
        'not exactly one row' as problem

    from rows_per_customer

    where offer_rows <> 1

    union all

    select
        next_best_offers.customer_id,
        'not a customer in customer_segments' as problem

    from next_best_offers

    left join customers
        on next_best_offers.customer_id = customers.customer_id

    where customers.customer_id is null

    union all

    select
        next_best_offers.customer_id,
        'offer not running or not open to the segment' as problem

    from next_best_offers

    left join offers_open_to_customers
        on next_best_offers.customer_id = offers_open_to_customers.customer_id
        and next_best_offers.offer_id = offers_open_to_customers.offer_id

    where next_best_offers.offer_id is not null
        and offers_open_to_customers.offer_id is null

    union all

    select
        next_best_offers.customer_id,
        'no offer although one is open to the segment' as problem

    from next_best_offers

    inner join offers_open_to_customers
        on next_best_offers.customer_id = offers_open_to_customers.customer_id

    where next_best_offers.offer_id is null

)

select * from problems
