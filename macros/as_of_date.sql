{#
    The date the RFM picture is taken on, as a SQL date expression. The var
    as_of_date (YYYY-MM-DD) wins; without it, the UTC date of the latest
    accepted upload event plus one day, as the AWS guidance does, but never
    later than the day after the run started: one mistyped year (2100) must
    not move everyone's recency. Events at or after this date are ignored by
    every customer figure.

    Read from base_uploads__events, not stg_uploads__events: a repeat has
    the event time of the row it repeats, which is staged, so the latest
    accepted row is the latest staged event, and the base table spares the
    view's join of every row with the repeats. A daily run reads this date
    about ten times; at 100M events each read takes 0.01 s instead of 0.7 s
    to 1.5 s.
#}
{% macro as_of_date() -%}
    {%- set configured = var('as_of_date', none) -%}
    {%- if configured is not none and configured | string | trim != '' -%}
        {%- set text = configured | string | trim -%}
        {%- if not modules.re.fullmatch('[0-9]{4}-[0-9]{2}-[0-9]{2}', text) -%}
            {{ exceptions.raise_compiler_error(
                "var as_of_date must look like YYYY-MM-DD, got '" ~ text ~ "'"
            ) }}
        {%- endif -%}
        cast('{{ text }}' as date)
    {%- else -%}
        (
            select
                {{ dbt.dateadd('day', 1, "least(cast(max(event_at) as date), "
                    ~ "cast('" ~ run_started_at.strftime('%Y-%m-%d') ~ "' as date))") }}
            from {{ ref('base_uploads__events') }}
            where rejection_reason is null
        )
    {%- endif -%}
{%- endmacro %}
