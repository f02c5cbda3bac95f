{#
    Parses the guidance's RFC 2822 style event time, e.g.
    'Mon, 19 Sep 2022 12:16:01 +0530', into a UTC timestamp without time zone.
    Returns null when the text does not parse, so bad rows can be quarantined.
#}
{% macro parse_upload_timestamp(column) -%}
    {{ return(adapter.dispatch('parse_upload_timestamp', 'rfm')(column)) }}
{%- endmacro %}

{% macro duckdb__parse_upload_timestamp(column) -%}
    {# The instant's microseconds since the epoch as a UTC timestamp: cheaper
       than `at time zone 'UTC'`, which converts row by row. #}
    make_timestamp(
        epoch_us(try_strptime({{ column }}, '%a, %d %b %Y %H:%M:%S %z'))
    )
{%- endmacro %}

{% macro snowflake__parse_upload_timestamp(column) -%}
    convert_timezone(
        'UTC',
        try_to_timestamp_tz({{ column }}, 'DY, DD MON YYYY HH24:MI:SS TZHTZM')
    )::timestamp_ntz
{%- endmacro %}

{% macro default__parse_upload_timestamp(column) -%}
    {{ exceptions.raise_compiler_error(
        "parse_upload_timestamp has no implementation for adapter '"
        ~ adapter.type() ~ "': add " ~ adapter.type()
        ~ "__parse_upload_timestamp in macros/parse_upload_timestamp.sql"
    ) }}
{%- endmacro %}
