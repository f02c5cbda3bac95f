{#
    The accepted events of either feed that name a product, before the as-of
    date, summed to customer and product, and each customer's products
    ranked. Each event's weight from event_weights is decayed by age: weight x
    0.5 ^ (age in days / affinity_half_life_days), so an event one half-life
    old counts half. The sums are kept decayed to an anchor date instead of
    the as-of date (affinity_anchor_date), which multiplies every sum by the
    same factor: ranks are the same, and int_customer_products_scored turns a
    sum into the score on the as-of date. Anonymous clickstream events stay,
    summed to a null customer (customer_key ''): they count towards overall
    popularity, not towards any customer. Summing here, once, spares every
    consumer a scan of the events.

    Incremental by customer: a run adds the events staged since the last one
    (each feed's loaded_at watermark) and those the as-of date has moved past
    to the stored sums, and re-ranks only the customers they touch, so a
    daily run costs what the new events cost. When the stored sums no longer
    fit (affinity_sums_state: the as-of date moved back, the half-life,
    weights or anchor changed, or counted events left staging) the run
    recomputes every pair, as a full refresh does, and the post-hook drops
    the customers no longer there.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_key',
    on_schema_change='fail',
    post_hook="{{ delete_earlier_generations() }}",
) }}
{%- set half_life_days = numeric_var(
    'affinity_half_life_days', whole=false, positive=true
) -%}
{%- set adding = false -%}
{%- set state = {} -%}
{%- if is_incremental() -%}
    {%- set state = affinity_sums_state(half_life_days) -%}
    {%- set adding = not state.stale -%}
    {%- if execute and state.stale -%}
        {{ log(this.identifier ~ ": recomputing every pair, " ~ state.reason, info=true) }}
    {%- endif -%}
{%- endif -%}
{#- A full build starts a generation; adding keeps the stored one. -#}
{%- set generation = state.generation if adding
    else run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f') -%}

with

{#- Adding, only the events loaded since the last run and those the as-of
    date has newly passed (events_to_add). #}
uploads as (

    {{ events_to_add(
        ref('stg_uploads__events'),
        ["'uploads' as source_name", 'customer_id', 'product_code as product_id',
         'event_type', 'event_at', 'loaded_at'],
        'product_code is not null',
        adding, state.uploads_loaded_through, state.as_of_date,
    ) | indent(4) }}

),

clickstream as (

    {{ events_to_add(
        ref('stg_clickstream__events'),
        ["'clickstream' as source_name", 'customer_id', 'product_id',
         'event_type', 'event_at', 'loaded_at'],
        'product_id is not null',
        adding, state.clickstream_loaded_through, state.as_of_date,
    ) | indent(4) }}

),

weights as (

    select * from {{ ref('event_weights') }}

),

as_of as (

    select cast({{ as_of_date() }} as date) as as_of_date

),

{# The loads the sums take in: every staged event loaded by then is counted
   or, dated on or after the as-of date, waits for the date to pass it
   (events_to_add). One value per run, written on every row the run writes
   (affinity_sums_state reads the greatest), instead of a maximum per pair:
   the sums' hash table is the full build's biggest, and two timestamps are
   a sixth of its width. #}
anchored as (

    select
        as_of_date,
        {{ affinity_anchor_date('as_of_date', half_life_days) }} as anchor_date,
        {{ event_weights_fingerprint(ref('event_weights')) }} as weights_fingerprint,
        (select max(loaded_at) from {{ ref('stg_uploads__events') }})
            as uploads_loaded_through,
        (select max(loaded_at) from {{ ref('stg_clickstream__events') }})
            as clickstream_loaded_through

    from as_of

),

interactions as (

    select * from uploads

    union all

    select * from clickstream

),

{# A left join, so that an event type without a weight shows as an event
   without a weight (a test fails) instead of silently dropping out. #}
interactions_weighted as (

    select
        interactions.customer_id,
        interactions.product_id,
        interactions.source_name,
        interactions.event_at,
        interactions.loaded_at,
        weights.weight,
        coalesce(interactions.customer_id, '') as customer_key,
        weights.weight * power(
            0.5,
            {{ dbt.datediff(
                'interactions.event_at',
                'cast(anchored.anchor_date as timestamp)',
                'second'
            ) }} / 86400.0 / {{ half_life_days }}
        ) as anchored_weight

    from interactions

    cross join anchored

    left join weights
        on interactions.source_name = weights.source_name
        and interactions.event_type = weights.event_type

    where interactions.event_at < cast(anchored.as_of_date as timestamp)

),

new_sums as (

    {# By customer_key alone: customer_id is never blank, so the key stands
       for it (nullif in final), and one string fewer to hash and compare. #}
    select
        customer_key,
        product_id,
        {# Summed as decimals: a float sum depends on row order, and the same
           events must give the same score, run after run and whether added
           run by run or all at once. #}
        sum(cast(cast(anchored_weight as double) as decimal(38, 12)))
            as anchored_weight_sum,
        count(*) as event_count,
        count(weight) as weighted_event_count,
        max(event_at) as last_event_at

    from interactions_weighted

    group by 1, 2

),

{% if adding -%}
touched_customers as (

    select distinct customer_key from new_sums

),

stored_sums as (

    select this_run.*

    from {{ this }} as this_run

    inner join touched_customers
        on this_run.customer_key = touched_customers.customer_key

),

{# A touched customer's every product: stored, new, or both added up. #}
sums as (

    select
        coalesce(new_sums.customer_key, stored_sums.customer_key) as customer_key,
        coalesce(new_sums.product_id, stored_sums.product_id) as product_id,
        coalesce(stored_sums.anchored_weight_sum, 0)
            + coalesce(new_sums.anchored_weight_sum, 0) as anchored_weight_sum,
        coalesce(stored_sums.event_count, 0)
            + coalesce(new_sums.event_count, 0) as event_count,
        coalesce(stored_sums.weighted_event_count, 0)
            + coalesce(new_sums.weighted_event_count, 0) as weighted_event_count,
        {{ greatest_non_null('stored_sums.last_event_at', 'new_sums.last_event_at') }}
            as last_event_at

    from stored_sums

    full outer join new_sums
        on stored_sums.customer_key = new_sums.customer_key
        and stored_sums.product_id = new_sums.product_id

),

{% else -%}
    sums as (

        select * from new_sums

    ),

{% endif -%}
{# Ranked before the run's constants are joined on: the window keeps every
   column it is given for every row, and sorts less the fewer they are. #}
ranked as (

    select
        *,
        row_number() over (
            partition by customer_key
            order by anchored_weight_sum desc, last_event_at desc, product_id asc
        ) as sum_rank

    from sums

),

final as (

    select
        cast(sums.customer_key as varchar) as customer_key,
        cast(nullif(sums.customer_key, '') as varchar) as customer_id,
        cast(sums.product_id as varchar) as product_id,
        cast(anchored.as_of_date as date) as as_of_date,
        cast(anchored.anchor_date as date) as anchor_date,
        cast({{ half_life_days }} as double) as half_life_days,
        cast(anchored.weights_fingerprint as varchar) as weights_fingerprint,
        cast(sums.anchored_weight_sum as decimal(38, 12)) as anchored_weight_sum,
        {# The same sum as a double, cast once when the row is written: a
           128-bit decimal is slow to cast, and scores are doubles. #}
        cast(sums.anchored_weight_sum as double) as anchored_score,
        cast(sums.event_count as bigint) as event_count,
        cast(sums.weighted_event_count as bigint) as weighted_event_count,
        cast(sums.last_event_at as timestamp) as last_event_at,
        cast(anchored.uploads_loaded_through as timestamp) as uploads_loaded_through,
        cast(anchored.clickstream_loaded_through as timestamp)
            as clickstream_loaded_through,
        {# The rank by the anchored sum is the rank by the score: one factor
           turns every sum into its score. #}
        cast(
            case when sums.customer_key <> '' then sums.sum_rank end as integer
        ) as affinity_rank,
        cast('{{ generation }}' as timestamp) as generation

    from ranked as sums

    cross join anchored

)

select * from final
