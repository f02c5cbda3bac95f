{#
    Affinity sums are kept relative to an anchor date instead of the as-of
    date, so that a daily run adds the new events' weights to the stored sums
    instead of decaying every event again: a weight decayed to the anchor is
    weight x 0.5 ^ ((anchor - event) / half-life), and the score on the as-of
    date is the anchored sum x 0.5 ^ ((as-of - anchor) / half-life), a factor
    common to every sum, so ranks need no re-ranking when the date moves.

    The anchor is the as-of date rounded down to a multiple of 32 half-lives
    counted from 1970-01-01: the same date for a full refresh and an
    incremental run, so both add up the same exact decimals; it moves (and the
    sums are recomputed) once every 32 half-lives. Weights decayed to it stay
    below 2^32 x the event weight, far inside decimal(38, 12).
#}
{% macro affinity_anchor_date(as_of_date, half_life_days) -%}
    {%- set period_days = [(half_life_days * 32) | round(0, 'ceil') | int, 1] | max -%}
    {%- set epoch = "cast('1970-01-01' as date)" -%}
    {%- set periods = 'floor(' ~ dbt.datediff(epoch, as_of_date, 'day')
        ~ ' / ' ~ period_days ~ '.0)' -%}
    cast({{ dbt.dateadd('day', 'cast(' ~ periods ~ ' * ' ~ period_days ~ ' as integer)', epoch) }} as date)
{%- endmacro %}


{# The factor taking a sum anchored on anchor_date to the as-of date. #}
{% macro affinity_decay_factor(anchor_date, as_of_date, half_life_days) -%}
    power(0.5, {{ dbt.datediff(anchor_date, as_of_date, 'day') }} / {{ half_life_days }})
{%- endmacro %}


{# The event weights, as one text, so that a run can tell whether the seed
   changed since the sums were made. #}
{% macro event_weights_fingerprint(weights_relation) -%}
    (
        select {{ dbt.listagg(
            dbt.concat(['source_name', "'.'", 'event_type', "'='",
                dbt.cast('weight', dbt.type_string())]),
            "';'",
            'order by source_name, event_type',
        ) }}
        from {{ weights_relation }}
    )
{%- endmacro %}


{#
    What int_product_interactions_weighted holds (read at compile time), and
    whether a run can add to it or must recompute every pair: when the as-of
    date moved back, the anchor, half-life or weights changed, or events it
    counted are no longer staged (a changed upload file reloaded, a repeat or
    redelivery found in a file that sorts earlier). The last check compares
    the stored event count with the staged events the sums cover: those
    loaded by the stored watermarks and before the stored as-of date.
#}
{% macro affinity_sums_state(half_life_days) -%}
    {%- set state = {
        'stale': false, 'reason': '', 'as_of_date': '1900-01-01',
        'uploads_loaded_through': '1900-01-01 00:00:00',
        'clickstream_loaded_through': '1900-01-01 00:00:00',
        'generation': '1900-01-01 00:00:00',
    } -%}
    {%- if not execute -%}
        {{ return(state) }}
    {%- endif -%}
    {#- A table from before these columns: recomputing, dbt then reports the
        schema change (on_schema_change fail) and asks for a full refresh. -#}
    {%- set missing = first_missing_column(this, [
        'anchor_date', 'half_life_days', 'weights_fingerprint', 'event_count',
        'uploads_loaded_through', 'clickstream_loaded_through', 'generation',
    ]) -%}
    {%- if missing -%}
        {%- do state.update({'stale': true, 'reason': 'the stored table has no ' ~ missing}) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set stored = run_query(
        "select cast(max(as_of_date) as varchar), cast(max(anchor_date) as varchar),"
        ~ " cast(min(anchor_date) as varchar), max(half_life_days), max(weights_fingerprint),"
        ~ " sum(event_count),"
        ~ " cast(coalesce(max(uploads_loaded_through), cast('1900-01-01' as timestamp)) as varchar),"
        ~ " cast(coalesce(max(clickstream_loaded_through), cast('1900-01-01' as timestamp)) as varchar),"
        ~ " cast(max(generation) as varchar)"
        ~ " from " ~ this
    ).rows[0] -%}
    {%- if stored[0] is none -%}
        {%- do state.update({'stale': true, 'reason': 'no stored sums'}) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- do state.update({
        'as_of_date': stored[0], 'uploads_loaded_through': stored[6],
        'clickstream_loaded_through': stored[7], 'generation': stored[8],
    }) -%}
    {%- set as_of = 'cast(' ~ as_of_date() ~ ' as date)' -%}
    {%- set current = run_query(
        'select cast(' ~ as_of ~ ' as varchar), cast('
        ~ affinity_anchor_date(as_of, half_life_days) ~ ' as varchar), '
        ~ event_weights_fingerprint(ref('event_weights'))
        ~ ', ' ~ events_counted(
            ref('stg_uploads__events'), 'product_code is not null', stored[6], stored[0]
        )
        ~ ' + ' ~ events_counted(
            ref('stg_clickstream__events'), 'product_id is not null', stored[7], stored[0]
        )
    ).rows[0] -%}
    {%- if current[0] is none or current[0] < stored[0] -%}
        {%- do state.update({'stale': true, 'reason': 'the as-of date moved back'}) -%}
    {%- elif stored[3] | float != half_life_days | float -%}
        {%- do state.update({'stale': true, 'reason': 'affinity_half_life_days changed'}) -%}
    {%- elif current[2] != stored[4] -%}
        {%- do state.update({'stale': true, 'reason': 'event_weights changed'}) -%}
    {%- elif current[1] != stored[1] or stored[1] != stored[2] -%}
        {%- do state.update({'stale': true, 'reason': 'the anchor date moved'}) -%}
    {%- elif current[3] != stored[5] -%}
        {%- do state.update({
            'stale': true,
            'reason': 'the staged events the sums cover number ' ~ current[3]
                ~ ', not the ' ~ stored[5] ~ ' counted',
        }) -%}
    {%- endif -%}
    {{ return(state) }}
{%- endmacro %}

