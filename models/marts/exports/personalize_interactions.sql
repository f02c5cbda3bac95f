{#
    The Personalize Interactions dataset, as int_interactions_identified
    keeps it (incrementally): a view, so a daily build copies nothing.
#}
{{ config(materialized='view') }}

with

interactions as (

    select * from {{ ref('int_interactions_identified') }}

),

final as (

    select
        event_id,
        user_id,
        item_id,
        event_timestamp,
        event_type,
        session_id

    from interactions

)

select * from final
