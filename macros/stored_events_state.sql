{#
    What an incremental model that adds each run's staged upload events to
    stored per-key aggregates holds (read at compile time), and whether a run
    can add to it or must aggregate every event again: when the as-of date
    moved back, or events it counted are no longer staged (a changed upload
    file reloaded, a repeat found in a file that sorts earlier): the stored
    count of events (the sum of count_column) differs from the staged events
    matching condition loaded by the stored watermark and before the stored
    as-of date. The model stores as_of_date, loaded_through and generation
    beside count_column; described names its events in the reason. An
    aggregate of every event, whatever its time (by_as_of false), stores no
    as_of_date, and its state has none.
#}
{% macro stored_events_state(count_column, condition, described, columns=[], by_as_of=true) -%}
    {%- set state = {
        'stale': false, 'reason': '', 'as_of_date': '1900-01-01',
        'loaded_through': '1900-01-01 00:00:00', 'generation': '1900-01-01 00:00:00',
    } -%}
    {%- if not execute -%}
        {{ return(state) }}
    {%- endif -%}
    {#- A table from before these columns: aggregating again, dbt then
        reports the schema change (on_schema_change fail) and asks for a full
        refresh. -#}
    {%- set missing = first_missing_column(
        this, columns + [count_column, 'loaded_through', 'generation']
            + (['as_of_date'] if by_as_of else [])
    ) -%}
    {%- if missing -%}
        {%- do state.update({'stale': true, 'reason': 'the stored table has no ' ~ missing}) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- set stored = run_query(
        "select " ~ ("cast(max(as_of_date) as varchar)" if by_as_of else "null")
        ~ ", sum(" ~ count_column ~ "),"
        ~ " cast(max(loaded_through) as varchar), cast(max(generation) as varchar)"
        ~ " from " ~ this
    ).rows[0] -%}
    {%- if stored[3] is none -%}
        {%- do state.update({'stale': true, 'reason': 'nothing stored'}) -%}
        {{ return(state) }}
    {%- endif -%}
    {%- do state.update({
        'as_of_date': stored[0], 'loaded_through': stored[2], 'generation': stored[3],
    }) -%}
    {%- set current = run_query(
        'select '
        ~ ('cast(cast(' ~ as_of_date() ~ ' as date) as varchar)' if by_as_of else 'null')
        ~ ', ' ~ events_counted(ref('stg_uploads__events'), condition, stored[2], stored[0])
    ).rows[0] -%}
    {%- if by_as_of and (current[0] is none or current[0] < stored[0]) -%}
        {%- do state.update({'stale': true, 'reason': 'the as-of date moved back'}) -%}
    {%- elif current[1] != stored[1] -%}
        {%- do state.update({
            'stale': true,
            'reason': 'the staged ' ~ described ~ ' number ' ~ current[1]
                ~ ', not the ' ~ stored[1] ~ ' counted',
        }) -%}
    {%- endif -%}
    {{ return(state) }}
{%- endmacro %}


{#
    How such a model runs (read at compile time): adding to the stored
    aggregates, or, on a full build or when they are stale (logged with the
    reason, after redoing: what the model does instead), aggregating every
    event as a new generation. Returns adding, state (stored_events_state's,
    empty on a full build) and generation (the stored one when adding).
#}
{% macro stored_events_run(count_column, condition, described, redoing, columns=[], by_as_of=true) -%}
    {%- set run = {
        'adding': false, 'state': {},
        'generation': run_started_at.strftime('%Y-%m-%d %H:%M:%S.%f'),
    } -%}
    {%- if is_incremental() -%}
        {%- set state = stored_events_state(
            count_column, condition, described, columns, by_as_of
        ) -%}
        {%- do run.update({'state': state}) -%}
        {%- if not state.stale -%}
            {%- do run.update({'adding': true, 'generation': state.generation}) -%}
        {%- elif execute -%}
            {{ log(this.identifier ~ ": " ~ redoing ~ ", " ~ state.reason, info=true) }}
        {%- endif -%}
    {%- endif -%}
    {{ return(run) }}
{%- endmacro %}


{# The post-hook of such a model: a run that aggregated every event again
   drops the rows of earlier generations (keys no longer there). #}
{% macro delete_earlier_generations() -%}
    delete from {{ this }} where generation < (select max(generation) from {{ this }})
{%- endmacro %}
