{#
    Parses an ISO-8601 time with an offset or Z ('2025-03-01T12:00:00Z',
    '2025-03-01T17:30:00.250+05:30', '+0530', '+05') into a UTC timestamp
    without time zone. Null when it does not parse or has no offset: a time
    without one is ambiguous, and reading it in the session's time zone would
    make the result depend on the machine.
#}
{% macro parse_iso8601_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_iso8601_timestamp', 'rfm')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_iso8601_timestamp(column) -%}
    {# The instant's microseconds since the epoch as a UTC timestamp: cheaper
       than `at time zone 'UTC'`, which converts row by row. #}
    case
        when regexp_matches(
            upper({{ column }}), '(Z|[+-][0-9]{2}(:?[0-9]{2})?)$'
        )
            then make_timestamp(
                epoch_us(try_cast(upper({{ column }}) as timestamptz))
            )
    end
{%- endmacro %}

{% macro default__parse_iso8601_timestamp(column) -%}
    {{ exceptions.raise_compiler_error(
        "parse_iso8601_timestamp has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__parse_iso8601_timestamp in macros/parse_iso8601_timestamp.sql"
    ) }}
{%- endmacro %}
