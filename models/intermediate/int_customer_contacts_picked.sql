{#
    Each customer's latest contact details before the as-of date: from their
    latest upload event with an address, by time, then file and row.

    Incremental by customer: a run reads only the events loaded since the
    last one and those the as-of date has moved past, and keeps, for each
    customer they touch, the later of the stored contact and theirs. A daily
    run so reads the new events and the few customers they touch, not every
    event. When the stored contacts no longer fit (stored_events_state: the
    as-of date moved back, or events they counted left staging) the run
    picks every customer's contact again, as a full refresh does, and the
    post-hook drops the customers no longer there.
#}
{{ config(
    materialized='incremental',
    incremental_strategy='delete+insert',
    unique_key='customer_id',
    on_schema_change='fail',
    post_hook="{{ delete_earlier_generations() }}",
) }}
{%- set run = stored_events_run(
    'contact_event_count', 'address is not null', 'events with an address',
    'picking every contact again', ['email_address', 'phone_number'],
) %}

with

{#- Adding, only the events loaded since the last run and those the as-of
    date has newly passed (events_to_add). Read twice by
    latest_row_per_group, with the CTEs built on it: each read scans the
    events again, not a copy of every row (cte_materialization). #}
events as {{ cte_materialization(false) }} (

    {{ events_to_add(
        ref('stg_uploads__events'),
        ['customer_id', 'username', 'channel_type', 'address', 'city', 'state',
         'country', 'event_at', 'source_file', 'source_row_number'],
        'address is not null',
        run.adding, run.state.loaded_through, run.state.as_of_date,
    ) | indent(4) }}

),

{# A date either way: a var gives a date, the default may be a timestamp,
   and an incremental table keeps one type. #}
as_of as (

    select cast({{ as_of_date() }} as date) as as_of_date

),

{# Each event counts once towards its customer's contact_event_count. #}
contact_events as {{ cte_materialization(false) }} (

    select
        events.*,
        1 as counted_events

    from events

    cross join as_of

    where events.event_at < as_of.as_of_date

),

{% if run.adding -%}
{# The stored contacts of the customers with new events compete with them,
   each carrying the count of the events it was picked from. #}
stored_contacts as (

    select
        this_run.customer_id,
        this_run.username,
        this_run.channel_type,
        this_run.address,
        this_run.city,
        this_run.state,
        this_run.country,
        this_run.contact_seen_at as event_at,
        this_run.source_file,
        this_run.source_row_number,
        this_run.contact_event_count as counted_events

    from {{ this }} as this_run

    where this_run.customer_id in (
        select contact_events.customer_id from contact_events
    )

),

{% endif -%}
candidate_events as {{ cte_materialization(false) }} (

    select * from contact_events
    {%- if run.adding %}

    union all

    select * from stored_contacts
    {%- endif %}

),

{# The latest event by time, then file and row: unique, so one choice. #}
latest_contact_events as (

    {{ latest_row_per_group(
        'candidate_events',
        'customer_id',
        ['event_at', 'source_file', 'source_row_number'],
        ['username', 'channel_type', 'address', 'city', 'state', 'country',
         'event_at', 'source_file', 'source_row_number'],
        {'contact_event_count': 'sum(counted_events)'},
    ) }}

),

{# What the exports can use, checked here once for the customers a run
   picks rather than for every customer on every export run: an email address
   with the basic a@b.c shape, and an SMS number in E.164 once spaces, dashes,
   dots and brackets are removed (a leading 00 counts as +; a number without a
   country code is not guessed). Anything else is null. #}
phones_normalised as (

    select
        *,
        case
            when channel_type = 'SMS'
                then regexp_replace(
                        regexp_replace(address, '[\s\-\.\(\)]', '', 'g'),
                        '^00',
                        '+'
                    )
        end as phone_normalised

    from latest_contact_events

),

addresses_checked as (

    select
        *,
        case
            when channel_type = 'EMAIL'
                and regexp_full_match(address, '[^@\s]+@[^@\s]+\.[^@\s]+')
                then address
        end as email_address,
        case
            when regexp_full_match(phone_normalised, '\+[1-9][0-9]{6,14}')
                then phone_normalised
        end as phone_number

    from phones_normalised

),

final as (

    select
        contacts.customer_id,
        contacts.username,
        contacts.channel_type,
        contacts.address,
        contacts.email_address,
        contacts.phone_number,
        contacts.city,
        contacts.state,
        contacts.country,
        contacts.event_at as contact_seen_at,
        contacts.source_file,
        cast(contacts.source_row_number as bigint) as source_row_number,
        cast(contacts.contact_event_count as bigint) as contact_event_count,
        as_of.as_of_date,
        (
            select max(loaded.loaded_at)
            from {{ ref('base_uploads__events') }} as loaded
        ) as loaded_through,
        cast('{{ run.generation }}' as timestamp) as generation

    from addresses_checked as contacts

    cross join as_of

)

select * from final
